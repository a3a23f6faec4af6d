# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Details the seed templates ask for: social and IM accounts of key
contacts, the service type of service cases, the referrer of an account,
and the chatter tracking of the profile's fields."""

from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import KamCommon


@tagged("post_install", "-at_install")
class TestSeedDetails(KamCommon):
    def setUp(self):
        super().setUp()
        # the records of setUpClass were created in this transaction: Odoo tracks no change of a
        # record before the transaction that created it commits
        self.env.cr.precommit.run()

    def _trackings(self, partner, fname):
        self.env.cr.precommit.run()  # tracking values are written before the commit
        return (
            self.env["mail.tracking.value"]
            .sudo()
            .search(
                [
                    ("mail_message_id.model", "=", "res.partner"),
                    ("mail_message_id.res_id", "=", partner.id),
                    ("field_id.name", "=", fname),
                ]
            )
        )

    # ------------------------------------------------------------------
    # Social and instant-messaging accounts of key contacts
    # ------------------------------------------------------------------
    def test_social_accounts_of_a_contact_for_its_team_only(self):
        self.kam_user2.groups_id += self.env.ref("base.group_allow_export")
        contact = self.contact.with_user(self.kam_user)
        contact.write(
            {
                "kam_wechat": "acme_buyer_wx",
                "kam_whatsapp": "+86 138 0000 0000",
                "kam_linkedin": "https://www.linkedin.com/in/acme-buyer",
                "kam_other_social": "DingTalk: acme-buyer",
            }
        )
        self.assertEqual(contact.kam_wechat, "acme_buyer_wx")
        self.assertEqual(contact.kam_linkedin, "https://www.linkedin.com/in/acme-buyer")
        # another team's key account user: the fields are empty (read, search, export)
        other = self.contact.with_user(self.kam_user2)
        self.assertFalse(other.kam_wechat)
        self.assertFalse(other.read(["kam_wechat", "kam_whatsapp"])[0]["kam_wechat"])
        self.assertFalse(other.search([("kam_wechat", "=", "acme_buyer_wx")]))
        self.assertEqual(other.export_data(["kam_wechat"])["datas"], [[""]])
        # nor may they change them
        with self.assertRaises(AccessError):
            other.write({"kam_wechat": "hijacked"})
        # a salesman without the addon's groups does not read them at all
        with self.assertRaises(AccessError):
            self.contact.with_user(self.salesman).read(["kam_wechat"])
        # the change is tracked, shown to the account's team only
        trackings = self._trackings(self.contact, "kam_wechat")
        self.assertEqual(len(trackings), 1)
        self.assertEqual(trackings._filter_has_field_access(self.env(user=self.kam_user)), trackings)
        self.assertFalse(trackings._filter_has_field_access(self.env(user=self.kam_user2)))
        self.assertFalse(trackings._filter_has_field_access(self.env(user=self.salesman)))

    def test_social_accounts_bad_input_refused(self):
        contact = self.contact.with_user(self.kam_user)
        bad = [
            ("kam_wechat", "two\nlines"),
            ("kam_wechat", "x" * 129),
            ("kam_other_social", "tab\there"),
            ("kam_linkedin", "acme-buyer"),
            ("kam_linkedin", "javascript:alert(1)//linkedin.com/in/x"),
            ("kam_linkedin", "https://evil.example.com/linkedin.com/in/x"),
            ("kam_linkedin", "http://www.linkedin.com/in/acme-buyer"),
        ]
        for fname, value in bad:
            with self.subTest(fname=fname, value=value), self.assertRaises(ValidationError):
                contact.write({fname: value})
        self.contact.invalidate_recordset()
        self.assertFalse(self.contact.sudo().kam_wechat)
        self.assertFalse(self.contact.sudo().kam_linkedin)
        with self.assertRaisesMessage(ValidationError, "give the profile's address"):
            contact.write({"kam_linkedin": "acme-buyer"})
        # a local LinkedIn domain passes
        contact.write({"kam_linkedin": "https://cn.linkedin.com/in/acme-buyer"})
        self.assertEqual(self.contact.sudo().kam_linkedin, "https://cn.linkedin.com/in/acme-buyer")

    # ------------------------------------------------------------------
    # Service type of service cases
    # ------------------------------------------------------------------
    def test_service_type_on_service_cases_only(self):
        Interaction = self.env["kam.interaction"].with_user(self.kam_user)
        case = Interaction.create(
            {
                "partner_id": self.account.id,
                "name": "Line 3 stops",
                "channel": "service",
                "service_type": "troubleshooting",
            }
        )
        self.assertEqual(case.service_type, "troubleshooting")
        self.assertEqual(case.resolution_state, "open")
        self.assertEqual(
            self.env["kam.interaction"]._read_group(
                [("partner_id", "=", self.account.id)], ["service_type"], ["__count"]
            ),
            [("troubleshooting", 1)],
        )
        with self.assertRaisesMessage(ValidationError, "a service type is for service cases only"):
            Interaction.create(
                {"partner_id": self.account.id, "name": "Lunch", "channel": "meeting", "service_type": "training"}
            )
        with self.assertRaisesMessage(ValidationError, "a service type is for service cases only"):
            case.write({"channel": "meeting"})
        self.assertEqual(case.channel, "service")
        with self.assertRaisesMessage(ValidationError, "is not a valid value"):
            case.write({"service_type": "no such type"})
        # the form clears the type when the case becomes another kind of interaction
        with Form(case) as form:
            form.channel = "meeting"
            self.assertFalse(form.service_type)
        self.assertEqual((case.channel, case.service_type), ("meeting", False))

    # ------------------------------------------------------------------
    # Referrer of an account
    # ------------------------------------------------------------------
    def test_referrer_of_an_account(self):
        referrer = self.env["res.partner"].create({"name": "Friendly Customer", "is_company": True})
        account = self.account.with_user(self.kam_user)
        account.write({"kam_referrer_id": referrer.id})
        self.assertEqual(account.kam_referrer_id, referrer)
        # its contacts show the company's referrer (the commercial sync)
        self.assertEqual(self.contact.sudo().kam_referrer_id, referrer)
        new_contact = self.env["res.partner"].create({"name": "Acme New Buyer", "parent_id": self.account.id})
        self.assertEqual(new_contact.sudo().kam_referrer_id, referrer)
        # another team: empty value, nothing found by it, no change
        other = self.account.with_user(self.kam_user2)
        self.assertFalse(other.kam_referrer_id)
        self.assertFalse(other.search([("kam_referrer_id", "=", referrer.id)]))
        with self.assertRaises(AccessError):
            other.write({"kam_referrer_id": False})
        with self.assertRaises(AccessError):
            self.account.with_user(self.salesman).read(["kam_referrer_id"])
        # on a contact: changed on its company only
        with self.assertRaises(UserError):
            self.contact.with_user(self.kam_user).write({"kam_referrer_id": self.other_account.id})
        # the manager's search and grouping find it
        Managed = self.env["res.partner"].with_user(self.kam_manager)
        self.assertEqual(Managed.search([("kam_referrer_id", "=", referrer.id), ("is_company", "=", True)]), account)
        # tracked in the chatter, for the account's team
        trackings = self._trackings(self.account, "kam_referrer_id")
        self.assertEqual(len(trackings), 1)
        self.assertFalse(trackings._filter_has_field_access(self.env(user=self.kam_user2)))

    def test_referrer_not_the_account_itself(self):
        account = self.account.with_user(self.kam_user)
        with self.assertRaisesMessage(ValidationError, "cannot be referred by itself"):
            account.write({"kam_referrer_id": self.account.id})
        with self.assertRaisesMessage(ValidationError, "cannot be referred by itself"):
            account.write({"kam_referrer_id": self.contact.id})
        with self.assertRaises(MissingError):
            account.write({"kam_referrer_id": 999999999})
        self.assertFalse(self.account.sudo().kam_referrer_id)

    # ------------------------------------------------------------------
    # Chatter tracking of the profile
    # ------------------------------------------------------------------
    def test_profile_fields_tracked(self):
        self.account.with_user(self.kam_user).write(
            {
                "kam_business_scope": "Precision parts",
                "kam_team_user_ids": [(4, self.kam_user2.id)],
                "kam_contract_date": "2025-03-01",
                "kam_contact_interval_days": 20,
            }
        )
        for fname in ("kam_business_scope", "kam_team_user_ids", "kam_contract_date", "kam_contact_interval_days"):
            with self.subTest(fname=fname):
                self.assertTrue(self._trackings(self.account, fname), f"{fname} is tracked")
        scope = self._trackings(self.account, "kam_business_scope")
        self.assertEqual(scope.new_value_char or scope.new_value_text, "Precision parts")
        # the account-private ones only for the team (kam_user2 is in the team now)
        self.assertTrue(scope._filter_has_field_access(self.env(user=self.kam_user2)))
        self.assertFalse(scope._filter_has_field_access(self.env(user=self.salesman)))
        outsider = new_test_user(
            self.env, "kam_outsider_seed", groups="key_account_management.group_kam_user", name="Outside KAM"
        )
        self.assertFalse(scope._filter_has_field_access(self.env(user=outsider)))

    # ------------------------------------------------------------------
    # Found by an attack over RPC as other roles
    # ------------------------------------------------------------------
    def test_referrer_not_found_by_hierarchy_search(self):
        """``child_of`` / ``parent_of`` on the referrer are resolved by Odoo as
        superuser, past the field's groups and masking: refused."""
        referrer = self.env["res.partner"].create({"name": "Hidden Referrer", "is_company": True})
        self.account.sudo().kam_referrer_id = referrer
        for user in (self.salesman, self.kam_user2, self.kam_user):
            for operator, value in (("child_of", referrer.id), ("parent_of", self.account.id)):
                with self.subTest(user=user.login, operator=operator), self.assertRaises(AccessError):
                    self.env["res.partner"].with_user(user).search([("kam_referrer_id", operator, value)])
        # a key account manager sees every account: allowed
        found = (
            self.env["res.partner"].with_user(self.kam_manager).search([("kam_referrer_id", "child_of", referrer.id)])
        )
        self.assertIn(self.account, found)

    def test_account_values_not_tracked_on_contacts(self):
        """A contact mirrors its company's key-account values: tracked on the
        company only (the contact's chatter would show them to the team of
        the company it moves to)."""
        self.account.with_user(self.kam_user).write({"kam_business_scope": "Secret scope", "kam_potential": 70})
        self.assertTrue(self._trackings(self.account, "kam_business_scope"))
        self.assertFalse(self._trackings(self.contact, "kam_business_scope"))
        self.assertFalse(self._trackings(self.contact, "kam_potential"))
        # the contact's own details stay tracked on the contact
        self.contact.with_user(self.kam_user).kam_wechat = "buyer_wx"
        self.assertTrue(self._trackings(self.contact, "kam_wechat"))

    def test_referrer_moved_under_the_account_reveals_nothing(self):
        person = self.env["res.partner"].create({"name": "Referring Person"})
        self.account.sudo().kam_referrer_id = person
        # whoever moves the person under the account learns nothing (no refusal naming the referrer)
        person.with_user(self.salesman).write({"parent_id": self.account.id})
        self.assertEqual(person.parent_id, self.account)
        # the account itself still refuses its own contact as referrer
        with self.assertRaisesMessage(ValidationError, "cannot be referred by itself"):
            self.account.with_user(self.kam_user).write({"kam_referrer_id": self.contact.id})

    def test_referrer_read_on_several_records(self):
        referrer = self.env["res.partner"].create({"name": "Shared Referrer", "is_company": True})
        self.account.sudo().kam_referrer_id = referrer
        spec = {"kam_referrer_id": {"fields": {"display_name": {}}}}
        both = self.account | self.contact
        mine = self.env["res.partner"].with_user(self.kam_user).browse(both.ids).web_read(spec)
        self.assertEqual([row["kam_referrer_id"]["id"] for row in mine], [referrer.id, referrer.id])
        theirs = self.env["res.partner"].with_user(self.kam_user2).browse(both.ids).web_read(spec)
        self.assertEqual([row["kam_referrer_id"] for row in theirs], [False, False])
        self.assertFalse(self.env["res.partner"].with_user(self.kam_user2).browse(both.ids).kam_referrer_id)

    def test_bad_date_in_a_partner_search(self):
        for fname in ("kam_key_account_since", "kam_birthday", "kam_contract_date", "kam_last_interaction_date"):
            for value in ("NaN", "yesterday", "2025-13-45"):
                with self.subTest(fname=fname, value=value), self.assertRaisesMessage(ValidationError, "is not a date"):
                    self.env["res.partner"].with_user(self.kam_user).search([(fname, "<", value)])
        self.assertIn(
            self.account,
            self.env["res.partner"].with_user(self.kam_user).search([("kam_key_account_since", "<=", "2100-01-01")]),
        )

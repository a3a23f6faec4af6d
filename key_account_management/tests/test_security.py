# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Who sees and changes what, on every path (issue "Safe to install in a real
company"): the access table of the README, role by role."""

import re
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from odoo.addons.mail.tests.common import MockEmail

from ..models.kam_job import KEY_ACCOUNT_DOMAIN
from .common import KamCommon, load_migration

SALES_SEE = "sales_team.group_sale_salesman,key_account_management.group_kam_viewer"
VIEWER = "key_account_management.group_kam_viewer"
USER = "key_account_management.group_kam_user"

# What a salesman sees of a customer's key-account data: enough to quote.
SALESMAN_PARTNER_FIELDS = {
    "kam_is_key_account",
    "kam_is_account_holder",
    "kam_manager_id",
    "kam_team_user_ids",
    "kam_tier_id",
    "kam_tier_color",
    "kam_preference_ids",
    "kam_preference_count",
}
# Confidential: the account's manager and team, and key account managers.
CONFIDENTIAL_PARTNER_FIELDS = {"kam_competitor_notes", "kam_competitor_note_ids", "kam_competitor_notes_text"}


class KamSecurityCommon(KamCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # exporting is a group of its own in Odoo 18: give it to the test users
        export = cls.env.ref("base.group_allow_export")
        cls.internal = new_test_user(cls.env, "kam_sec_internal", groups="base.group_user", name="Plain Employee")
        cls.accountant = new_test_user(
            cls.env, "kam_sec_accountant", groups="account.group_account_invoice", name="Accountant"
        )
        cls.sale_manager = new_test_user(
            cls.env, "kam_sec_sale_manager", groups="sales_team.group_sale_manager", name="Sales Manager"
        )
        cls.viewer = new_test_user(cls.env, "kam_sec_viewer", groups=VIEWER, name="KAM Viewer")
        cls.viewer_all = new_test_user(
            cls.env, "kam_sec_viewer_all", groups="key_account_management.group_kam_viewer_all", name="All Viewer"
        )
        cls.portal = new_test_user(cls.env, "kam_sec_portal", groups="base.group_portal", name="Acme Portal")
        cls.portal.partner_id.parent_id = cls.account
        cls.account.write({"kam_competitor_notes": "Rival X undercuts us", "kam_business_scope": "Gears"})
        cls.interaction = cls.env["kam.interaction"].create(
            {"partner_id": cls.account.id, "name": "Price talk", "channel": "meeting", "summary": "They want -5%"}
        )
        (
            cls.salesman
            | cls.kam_user
            | cls.kam_user2
            | cls.kam_manager
            | cls.internal
            | cls.accountant
            | cls.sale_manager
            | cls.viewer
            | cls.viewer_all
        ).write({"groups_id": [Command.link(export.id)]})
        cls.roles = {
            "portal": cls.portal,
            "internal": cls.internal,
            "accountant": cls.accountant,
            "salesman": cls.salesman,
            "sale_manager": cls.sale_manager,
            "viewer": cls.viewer,
            "viewer_all": cls.viewer_all,
            "kam_user": cls.kam_user,
            "kam_manager": cls.kam_manager,
        }

    def _readable_fields(self, records, user):
        """The fields of ``records`` the user may read whose comodel they may
        read too (what the web client and integrations ask for)."""
        Model = records.with_user(user)
        return [
            name
            for name, desc in Model.fields_get(attributes=["type", "relation"]).items()
            if not desc.get("relation") or self.env[desc["relation"]].with_user(user).has_access("read")
        ]

    def _kam_partner_fields(self, user):
        """The kam_ fields of res.partner the user may access."""
        Partner = self.env["res.partner"].with_user(user)
        return {name for name in Partner.fields_get(attributes=["type"]) if name.startswith("kam_")}


@tagged("post_install", "-at_install")
class TestAccessMatrix(KamSecurityCommon):
    """Every addon model, every role, every operation (read, write, create,
    unlink at the model level; export) against the table below."""

    # model: {role: operations allowed by the access rights}; missing roles: none
    MATRIX = {
        "kam.tier": {
            **dict.fromkeys(("internal", "accountant", "salesman", "sale_manager", "viewer", "viewer_all"), "r"),
            "kam_user": "r",
            "kam_manager": "rwcu",
        },
        "kam.tier.history": {"viewer": "r", "viewer_all": "r", "kam_user": "r", "kam_manager": "r"},
        "kam.interaction": {"viewer": "r", "viewer_all": "r", "kam_user": "rwcu", "kam_manager": "rwcu"},
        "kam.competitor.note": {"kam_user": "rwcu", "kam_manager": "rwcu"},
        "kam.preference": {
            "salesman": "r",
            "sale_manager": "r",
            "viewer": "r",
            "viewer_all": "r",
            "kam_user": "rwcu",
            "kam_manager": "rwcu",
        },
        "kam.preference.category": {
            **dict.fromkeys(("internal", "accountant", "salesman", "sale_manager", "viewer", "viewer_all"), "r"),
            "kam_user": "r",
            "kam_manager": "rwcu",
        },
        "kam.duty": {
            **dict.fromkeys(("internal", "accountant", "salesman", "sale_manager", "viewer", "viewer_all"), "r"),
            "kam_user": "r",
            "kam_manager": "rwcu",
        },
        "kam.responsibility": {"viewer": "r", "viewer_all": "r", "kam_user": "rwcu", "kam_manager": "rwcu"},
        "kam.responsibility.gap": {"viewer": "r", "viewer_all": "r", "kam_user": "r", "kam_manager": "r"},
        # routing: configured by managers; the done log is written by the Done button (sudo), read by managers
        "kam.route": {"viewer": "r", "viewer_all": "r", "kam_user": "r", "kam_manager": "rwcu"},
        "kam.responsibility.done": {"kam_manager": "r"},
        "kam.responsibility.performance": {"viewer": "r", "viewer_all": "r", "kam_user": "r", "kam_manager": "r"},
        "kam.plan": {"viewer": "r", "viewer_all": "r", "kam_user": "rwcu", "kam_manager": "rwcu"},
        "kam.plan.objective": {"viewer": "r", "viewer_all": "r", "kam_user": "rwcu", "kam_manager": "rwcu"},
        "kam.review": {"viewer": "r", "viewer_all": "r", "kam_user": "rwc", "kam_manager": "rwcu"},
        "kam.review.line": {"viewer": "r", "viewer_all": "r", "kam_user": "rwcu", "kam_manager": "rwcu"},
        # users answer risks and enter them by hand (the measured ones stay the health job's: see
        # TestRiskAnswers); nobody deletes one
        "kam.risk.signal": {"viewer": "r", "viewer_all": "r", "kam_user": "rwc", "kam_manager": "rwc"},
        "kam.health.snapshot": {"viewer": "r", "viewer_all": "r", "kam_user": "r", "kam_manager": "r"},
        # the health job's own (the day it looks at an account again): administrators only
        "kam.health.check": {},
        "kam.sale.analysis": {"viewer": "r", "viewer_all": "r", "kam_user": "r", "kam_manager": "r"},
        "kam.sale.trend": {"viewer": "r", "viewer_all": "r", "kam_user": "r", "kam_manager": "r"},
        # written by the white-space stage; users read it (and make objectives of it)
        "kam.white.space": {"viewer": "r", "viewer_all": "r", "kam_user": "r", "kam_manager": "rwcu"},
        "kam.reorder": {"viewer": "r", "viewer_all": "r", "kam_user": "r", "kam_manager": "r"},
        # written by the profitability stage; key account users and managers read it, viewers not
        "kam.profit": {"kam_user": "r", "kam_manager": "r"},
        "kam.relationship": {"viewer": "r", "viewer_all": "r", "kam_user": "r", "kam_manager": "r"},
        "kam.care.date": {"kam_user": "r", "kam_manager": "rwcu"},
        "kam.account.export": {"kam_user": "rwc", "kam_manager": "rwc"},
    }
    OPERATIONS = {"r": "read", "w": "write", "c": "create", "u": "unlink"}

    def test_matrix_covers_every_addon_model(self):
        models = {
            model.model
            for model in self.env["ir.model"].search([("model", "=like", "kam.%"), ("transient", "=", False)])
            if not self.env[model.model]._abstract
        } | {"kam.account.export"}
        self.assertEqual(models, set(self.MATRIX), "every model of the addon has its line in the access matrix")

    def test_model_access_per_role(self):
        for model, allowed in self.MATRIX.items():
            for role, user in self.roles.items():
                ops = allowed.get(role, "")
                for letter, operation in self.OPERATIONS.items():
                    with self.subTest(model=model, role=role, operation=operation):
                        self.assertEqual(
                            self.env[model].with_user(user).has_access(operation),
                            letter in ops,
                            f"{role} {'may' if letter in ops else 'may not'} {operation} {model}",
                        )

    def test_records_of_other_accounts_invisible(self):
        """Record rules: a key account user and a viewer read the records of
        their own accounts only; the all-accounts viewer and managers all."""
        other_interaction = self.env["kam.interaction"].create(
            {"partner_id": self.other_account.id, "name": "Other talk", "channel": "phone"}
        )
        self.account.kam_team_user_ids = self.viewer
        both = self.interaction | other_interaction
        expectations = {
            "kam_user": self.interaction,
            "viewer": self.interaction,
            "viewer_all": both,
            "kam_manager": both,
        }
        for role, visible in expectations.items():
            with self.subTest(role=role):
                found = self.env["kam.interaction"].with_user(self.roles[role]).search([("id", "in", both.ids)])
                self.assertEqual(found, visible)
        with self.assertRaises(AccessError):
            other_interaction.with_user(self.kam_user).read(["summary"])
        with self.assertRaises(AccessError):
            self.interaction.with_user(self.viewer).write({"summary": "viewers change nothing"})

    def test_confidential_records_hidden_from_viewers(self):
        category = self.env["kam.preference.category"].create({"name": "Packaging"})
        pricing = self.env["kam.preference.category"].create({"name": "Price sensitivity", "confidential": True})
        public, secret = self.env["kam.preference"].create(
            [
                {"partner_id": self.account.id, "category_id": category.id, "description": "Blue packaging"},
                {
                    "partner_id": self.account.id,
                    "category_id": pricing.id,
                    "description": "Accepts 8% discount",
                },
            ]
        )
        self.account.kam_team_user_ids = self.viewer
        for role in ("viewer", "viewer_all", "salesman"):
            with self.subTest(role=role):
                found = (
                    self.env["kam.preference"]
                    .with_user(self.roles[role])
                    .search([("partner_id", "=", self.account.id)])
                )
                self.assertIn(public, found)
                self.assertNotIn(secret, found)
        self.assertIn(secret, self.env["kam.preference"].with_user(self.kam_user).search([]))


@tagged("post_install", "-at_install")
class TestPartnerFieldExposure(KamSecurityCommon):
    def test_no_key_account_field_without_sales_or_key_account_group(self):
        for role in ("portal", "internal", "accountant"):
            with self.subTest(role=role):
                user = self.roles[role]
                self.assertFalse(self._kam_partner_fields(user), f"{role} sees no key-account field")
                for fname in ("kam_health_score", "kam_revenue_current", "kam_tier_id", "kam_manager_id"):
                    with self.assertRaises(AccessError):
                        self.account.with_user(user).read([fname])
                # nor through a search by value
                with self.assertRaises(AccessError):
                    self.env["res.partner"].with_user(user).search([("kam_revenue_current", ">", 0)])

    def test_salesman_sees_what_quoting_needs_only(self):
        for role in ("salesman", "sale_manager"):
            with self.subTest(role=role):
                self.assertEqual(self._kam_partner_fields(self.roles[role]), SALESMAN_PARTNER_FIELDS)
        values = self.account.with_user(self.salesman).read(["kam_is_key_account", "kam_manager_id"])[0]
        self.assertTrue(values["kam_is_key_account"])
        self.assertEqual(values["kam_manager_id"][0], self.kam_user.id)

    def test_viewer_sees_figures_but_no_confidential_field(self):
        fields = self._kam_partner_fields(self.viewer)
        self.assertIn("kam_health_score", fields)
        self.assertIn("kam_revenue_current", fields)
        self.assertFalse(fields & CONFIDENTIAL_PARTNER_FIELDS)
        self.assertTrue(self.account.with_user(self.viewer).read(["kam_revenue_current", "kam_business_scope"]))
        with self.assertRaises(AccessError):
            self.account.with_user(self.viewer).read(["kam_competitor_notes"])
        with self.assertRaises(AccessError):
            self.account.with_user(self.viewer).write({"kam_business_scope": "viewers change nothing"})

    def test_competitor_text_only_for_the_account_team(self):
        mine = self.account.with_user(self.kam_user)
        self.assertEqual(mine.kam_competitor_notes, "Rival X undercuts us")
        foreign = self.account.with_user(self.kam_user2)
        self.assertFalse(foreign.kam_competitor_notes, "another team's key account user does not read it")
        Partner = self.env["res.partner"].with_user(self.kam_user2)
        self.assertFalse(Partner.search([("kam_competitor_notes", "ilike", "Rival X")]), "nor finds it by value")
        exported = foreign.export_data(["kam_competitor_notes"])["datas"]
        self.assertFalse(exported[0][0], "nor exports it")
        with self.assertRaises(AccessError):
            foreign.read(["kam_competitor_notes_text"])
        found = self.env["res.partner"].with_user(self.kam_user).search([("kam_competitor_notes", "ilike", "Rival X")])
        self.assertEqual(found.commercial_partner_id, self.account, "the account (and its contacts, which share it)")
        self.assertEqual(self.account.with_user(self.kam_manager).kam_competitor_notes, "Rival X undercuts us")
        # the contacts show their company's text, to the same people
        self.assertEqual(self.contact.with_user(self.kam_user).kam_competitor_notes, "Rival X undercuts us")
        self.assertFalse(self.contact.with_user(self.kam_user2).kam_competitor_notes)

    def test_computed_figures_are_written_by_the_jobs_only(self):
        figures = {
            "kam_health_score": 99,
            "kam_risk_level": "low",
            "kam_revenue_current": 1e9,
            "kam_order_count": 5,
            "kam_last_interaction_date": "2026-01-01 00:00:00",
            "kam_profile_verified_on": "2026-01-01",
            "kam_avg_satisfaction": 5.0,
        }
        for user in (self.kam_user, self.kam_manager):
            for fname, value in figures.items():
                with self.subTest(user=user.login, field=fname), self.assertRaises(AccessError):
                    self.account.with_user(user).write({fname: value})
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.kam_manager).create({"name": "X", "kam_health_score": 100})
        self.assertFalse(self.account.kam_health_score)
        self.assertFalse(self.account.kam_revenue_current)
        order = self._order(self.account, 100)
        with self.assertRaises(AccessError):
            order.with_user(self.kam_manager).write({"kam_tier_id": self.tier_a.id})


@tagged("post_install", "-at_install")
class TestCoreFlowsWithoutGroups(KamSecurityCommon):
    """Odoo's own flows keep working for users without the addon's groups."""

    def test_duplicate_partner(self):
        for role in ("internal", "accountant", "salesman", "viewer", "kam_user2"):
            user = self.roles.get(role) or self.kam_user2
            with self.subTest(role=role):
                if not self.env["res.partner"].with_user(user).has_access("create"):
                    continue
                partner = self.env["res.partner"].create({"name": "Dup Co", "is_company": True})
                copy = partner.with_user(user).copy()
                self.assertEqual(copy.name, "Dup Co (copy)")
        # a key account copied: the copy is no key account and carries none of its data
        copy = self.account.with_user(self.salesman).copy()
        self.assertFalse(copy.sudo().kam_is_key_account)
        self.assertFalse(copy.sudo().kam_manager_id)
        self.assertFalse(copy.sudo().kam_competitor_notes_text)

    def _assert_reads(self, records, user, whole=False):
        """Every field the user may read reads: alone, all together and in an
        export. Fields that fail for reasons of core (a computed field of a
        model the user may not read, without this addon too) are reported
        apart; no field of this addon may be among them. ``whole``: none may
        fail at all (the user is one core's flows are made for)."""
        records = records.with_user(user)
        readable, failing = [], []
        for name in self._readable_fields(records, user):
            self.env.invalidate_all()
            try:
                records.read([name])
                readable.append(name)
            except AccessError:
                failing.append(name)
        addon = [name for name in failing if records._fields[name]._module == "key_account_management"]
        self.assertFalse(addon, f"fields of the addon break read() for {user.login}")
        if whole:
            self.assertFalse(failing, f"{user.login} cannot read all of {records._name}")
        self.env.invalidate_all()
        self.assertTrue(records.read(readable))
        self.assertTrue(records.export_data(readable)["datas"])
        return readable

    def test_read_and_export_everything(self):
        order = self._order(self.account, 500)
        order.kam_interaction_ids = self.interaction
        order.user_id = self.salesman
        for role in ("internal", "accountant", "salesman", "sale_manager", "viewer", "kam_user2"):
            user = self.roles.get(role) or self.kam_user2
            with self.subTest(role=role):
                names = self._assert_reads(self.account, user, whole=role in ("salesman", "sale_manager"))
                self.assertEqual(any(name.startswith("kam_") for name in names), role not in ("internal", "accountant"))
                if order.with_user(user).has_access("read"):
                    self._assert_reads(order, user, whole=role in ("salesman", "sale_manager"))
        # what integrations do: read() without a field list
        lead = self.env["crm.lead"].create(
            {"name": "Expansion", "type": "opportunity", "partner_id": self.account.id, "user_id": self.salesman.id}
        )
        self.interaction.lead_id = lead
        for user in (self.salesman, self.sale_manager):
            self.assertEqual(order.with_user(user).read()[0]["name"], order.name)
            self.assertEqual(lead.with_user(user).read()[0]["name"], "Expansion")
            self.assertTrue(order.with_user(user).copy())

    def test_create_contact_and_confirm_as_others(self):
        contact = (
            self.env["res.partner"].with_user(self.salesman).create({"name": "Buyer 2", "parent_id": self.account.id})
        )
        self.assertTrue(contact.sudo().kam_is_key_account, "the commercial sync still runs")
        order = self._order(self.account, 300, confirm=False)
        order.with_user(self.sale_manager).action_confirm()
        self.assertEqual(order.sudo().kam_tier_id, self.account.kam_tier_id)
        # a tiered account: the tier at confirmation is recorded whoever confirms
        self.account.sudo().kam_tier_id = self.tier_b
        for user in (self.salesman, self.sale_manager, self.kam_user):
            with self.subTest(user=user.login):
                order = self._order(self.account, 300, confirm=False)
                order.user_id = user  # their own quotation
                order.with_user(user).action_confirm()
                self.assertEqual(order.sudo().kam_tier_id, self.tier_b)


@tagged("post_install", "-at_install")
class TestAccountControl(KamSecurityCommon):
    """Every path that moves an account under someone else's control goes
    through the same edit check."""

    def test_reparenting_cannot_take_over_an_account(self):
        own = self._make_account("B's own account", manager=self.kam_user2)
        own_contact = self.env["res.partner"].create({"name": "B's buyer", "parent_id": own.id})
        for user in (self.kam_user2, self.salesman, self.sale_manager):
            for vals in (
                {"is_company": False, "parent_id": own.id},
                {"is_company": False, "parent_id": own_contact.id},
            ):
                with (
                    self.subTest(user=user.login, vals=vals),
                    self.assertRaisesMessage(AccessError, "is a key account"),
                ):
                    self.account.with_user(user).write(vals)
        self.assertEqual(self.account.kam_manager_id, self.kam_user)
        self.assertFalse(self.account.parent_id)
        self.assertEqual(self.account.with_user(self.kam_user).kam_competitor_notes, "Rival X undercuts us")
        self.assertFalse(self.account.with_user(self.kam_user2).kam_competitor_notes)
        # its own manager (and a key account manager) may move it
        self.account.with_user(self.kam_manager).write({"parent_id": own.id, "is_company": False})
        self.assertEqual(self.account.commercial_partner_id, own)

    def test_plain_companies_and_contacts_still_move(self):
        plain = self.env["res.partner"].create({"name": "Plain Co", "is_company": True})
        plain.with_user(self.salesman).write({"parent_id": self.account.id, "is_company": False})
        self.assertEqual(plain.commercial_partner_id, self.account)
        self.contact.with_user(self.salesman).write({"parent_id": self.other_account.id})
        self.assertEqual(self.contact.sudo().kam_manager_id, self.kam_user2)

    def test_key_contacts_stay_with_their_account(self):
        """A key contact's details (buying role, birthday...) are private to its
        account: another team's user may not move it away (reading them then),
        delete it or merge it away, whatever their rights on contacts."""
        self.contact.sudo().write({"kam_buying_role": "decision_maker", "email": "buyer@acme.example.com"})
        intruder = self.kam_user2
        intruder.write({"groups_id": [Command.link(self.env.ref("base.group_partner_manager").id)]})
        contact = self.contact.with_user(intruder)
        for vals in ({"parent_id": self.other_account.id}, {"parent_id": False}, {"is_company": True}):
            with self.subTest(vals=vals), self.assertRaisesMessage(AccessError, "is a key contact"):
                contact.write(vals)
        with self.assertRaisesMessage(AccessError, "is a key contact"):
            self.other_account.with_user(intruder).write({"child_ids": [Command.link(self.contact.id)]})
        with self.assertRaisesMessage(AccessError, "is a key contact"):
            contact.unlink()
        twin = (
            self.env["res.partner"]
            .with_user(intruder)
            .create({"name": "Twin", "parent_id": self.other_account.id, "email": "buyer@acme.example.com"})
        )
        wizard = (
            self.env["base.partner.merge.automatic.wizard"]
            .with_user(intruder)
            .create({"partner_ids": [Command.set((self.contact | twin).ids)], "dst_partner_id": twin.id})
        )
        with self.assertRaisesMessage(AccessError, "is a key contact"):
            wizard.action_merge()
        self.assertEqual(self.contact.parent_id, self.account)
        # the account's team moves it; a contact without key-contact details moves freely
        self.contact.with_user(self.kam_user).write({"parent_id": self.other_account.id})
        self.assertEqual(self.contact.commercial_partner_id, self.other_account)
        plain = self.env["res.partner"].create({"name": "Plain buyer", "parent_id": self.account.id})
        plain.with_user(intruder).write({"parent_id": self.other_account.id})
        self.assertEqual(plain.parent_id, self.other_account)

    def test_moving_a_contact_opens_no_orders(self):
        """A key account user reads the orders of their accounts: moving (or
        merging) another team's contact, or any customer, with orders they
        cannot read under their own account is refused; without orders, or
        for users without the key-account user group, contacts move as in
        Odoo."""
        partner_manager = self.env.ref("base.group_partner_manager")
        (self.kam_user | self.salesman).write({"groups_id": [Command.link(partner_manager.id)]})
        Partner = self.env["res.partner"]
        buyer = Partner.create({"name": "B's buyer", "parent_id": self.other_account.id})
        order = self._order(buyer, 500)
        customer = Partner.create({"name": "Someone's customer", "is_company": True})
        self._order(customer, 300)
        self.assertFalse(self.env["sale.order"].with_user(self.kam_user).search([("id", "=", order.id)]))
        for partner in (buyer, customer):
            with self.subTest(partner=partner.name), self.assertRaisesMessage(AccessError, "sales orders you may not"):
                partner.with_user(self.kam_user).write({"parent_id": self.account.id, "is_company": False})
        wizard = (
            self.env["base.partner.merge.automatic.wizard"]
            .with_user(self.kam_user)
            .create({"partner_ids": [Command.set((buyer | self.contact).ids)], "dst_partner_id": self.contact.id})
        )
        with self.assertRaisesMessage(AccessError, "sales orders you may not"):
            wizard.action_merge()
        self.assertEqual((buyer.parent_id, order.partner_id), (self.other_account, buyer))
        self.assertFalse(self.env["sale.order"].with_user(self.kam_user).search([("id", "=", order.id)]))
        # without orders it moves; a salesman (no key-account group) moves as in Odoo
        quiet = Partner.create({"name": "Quiet buyer", "parent_id": self.other_account.id})
        quiet.with_user(self.kam_user).write({"parent_id": self.account.id})
        self.assertEqual(quiet.commercial_partner_id, self.account)
        customer.with_user(self.salesman).write({"parent_id": self.account.id, "is_company": False})
        self.assertEqual(customer.commercial_partner_id, self.account)

    def test_marking_a_partner_opens_no_orders(self):
        """A key account's manager and team read its orders: a key account
        user may not mark as key account a partner with orders they cannot
        read (through the form's flag or the list's action, alone or among
        others), even after taking it out of another team's account; with
        orders they read, or none, they mark it; a key account manager marks
        any."""
        partner_manager = self.env.ref("base.group_partner_manager")
        self.kam_user.write({"groups_id": [Command.link(partner_manager.id)]})
        Partner = self.env["res.partner"]
        Order = self.env["sale.order"]
        customer = Partner.create({"name": "Someone's customer", "is_company": True})
        buyer = Partner.create({"name": "Someone's buyer", "parent_id": customer.id})
        order = self._order(buyer, 300)
        quiet = Partner.create({"name": "Quiet customer", "is_company": True})
        own = Partner.create({"name": "Own customer", "is_company": True})
        own_order = self._order(own, 200)
        own_order.user_id = self.kam_user
        self.assertFalse(Order.with_user(self.kam_user).search([("id", "=", order.id)]))
        message = "“Someone's customer” has sales orders you may not read"
        with self.assertRaisesMessage(AccessError, message):
            customer.with_user(self.kam_user).write({"kam_is_key_account": True, "kam_manager_id": self.kam_user.id})
        with self.assertRaisesMessage(AccessError, message):
            (quiet | customer | own).with_user(self.kam_user).action_kam_mark_key_account()
        with self.assertRaisesMessage(AccessError, message):
            # without making oneself its manager either: whoever it is then reads the orders
            customer.with_user(self.kam_user).write({"kam_is_key_account": True, "kam_manager_id": self.kam_user2.id})
        self.assertFalse((customer | quiet | own).filtered("kam_is_key_account"))
        self.assertFalse(Order.with_user(self.kam_user).search([("id", "=", order.id)]))
        # a plain contact taken out of another team's key account, with orders of its own
        contact = Partner.create({"name": "Leaving buyer", "parent_id": self.other_account.id})
        contact_order = self._order(contact, 100)
        contact.with_user(self.kam_user).write({"parent_id": False})
        self.assertFalse(contact.kam_is_key_account)
        with self.assertRaisesMessage(AccessError, "“Leaving buyer” has sales orders you may not read"):
            contact.with_user(self.kam_user).action_kam_mark_key_account()
        self.assertFalse(Order.with_user(self.kam_user).search([("id", "=", contact_order.id)]))
        # orders they read, or none: marked, and they read them as before
        (quiet | own).with_user(self.kam_user).action_kam_mark_key_account()
        self.assertEqual((quiet | own).mapped("kam_manager_id"), self.kam_user)
        self.assertEqual(Order.with_user(self.kam_user).search([("partner_id", "=", own.id)]), own_order)
        # an archived contact's orders count; a subsidiary's (a company of its own) do not: marking the
        # holding opens none of them
        holding = Partner.create({"name": "Holding Co", "is_company": True})
        former = Partner.create({"name": "Former buyer", "parent_id": holding.id})
        self._order(former, 50)
        former.active = False
        with self.assertRaisesMessage(AccessError, "“Holding Co” has sales orders you may not read"):
            holding.with_user(self.kam_user).write({"kam_is_key_account": True, "kam_manager_id": self.kam_user.id})
        parent = Partner.create({"name": "Parent Co", "is_company": True})
        subsidiary = Partner.create({"name": "Subsidiary Co", "is_company": True, "parent_id": parent.id})
        subsidiary_order = self._order(subsidiary, 70)
        parent.with_user(self.kam_user).write({"kam_is_key_account": True, "kam_manager_id": self.kam_user.id})
        self.assertFalse(Order.with_user(self.kam_user).search([("id", "=", subsidiary_order.id)]))
        # a key account manager marks any partner
        customer.with_user(self.kam_manager).action_kam_mark_key_account()
        self.assertTrue(customer.kam_is_key_account)

    def test_manager_without_flag_opens_no_orders(self):
        """Only a key account's manager and team read its orders: a partner
        given a manager or team without the flag (made by a key account
        user, or a paused account) opens none, whoever is moved or merged
        under it; marking it again is checked as a first marking; and the
        commercial entity is never written on its own."""
        partner_manager = self.env.ref("base.group_partner_manager")
        self.kam_user.write({"groups_id": [Command.link(partner_manager.id)]})
        Partner = self.env["res.partner"]
        Order = self.env["sale.order"]
        victim = Partner.create({"name": "Victim Co", "is_company": True})
        buyer = Partner.create({"name": "Victim buyer", "parent_id": victim.id})
        order = self._order(buyer, 300)
        line = order.order_line
        as_kam = Partner.with_user(self.kam_user)
        shell = as_kam.create({"name": "Shell Co", "is_company": True, "kam_manager_id": self.kam_user.id})
        team_shell = as_kam.create(
            {"name": "Team shell", "is_company": True, "kam_team_user_ids": [Command.set(self.kam_user.ids)]}
        )
        self.assertFalse((shell | team_shell).filtered("kam_is_key_account"))
        for target in (shell, team_shell):
            with self.subTest(target=target.name):
                buyer.with_user(self.kam_user).write({"parent_id": target.id})
                self.assertFalse(Order.with_user(self.kam_user).search([("id", "=", order.id)]))
                self.assertFalse(self.env["sale.order.line"].with_user(self.kam_user).search([("id", "=", line.id)]))
        # marking the shell now would open them: refused as any marking
        with self.assertRaisesMessage(AccessError, "“Team shell” has sales orders you may not read"):
            team_shell.with_user(self.kam_user).write({"kam_is_key_account": True})
        # a paused account of theirs, given another team's contact, then marked again
        buyer.with_user(self.kam_user).write({"parent_id": victim.id})
        own = self.account
        own.with_user(self.kam_user).write({"kam_is_key_account": False})
        self.assertEqual(own.kam_manager_id, self.kam_user)
        buyer.with_user(self.kam_user).write({"parent_id": own.id})
        self.assertFalse(Order.with_user(self.kam_user).search([("id", "=", order.id)]))
        with self.assertRaisesMessage(AccessError, "“Acme Key Account” has sales orders you may not read"):
            own.with_user(self.kam_user).write({"kam_is_key_account": True})
        self.assertFalse(own.kam_is_key_account)
        # the commercial entity follows the parent: another value is refused, on write and create
        buyer.write({"parent_id": victim.id})
        own.with_user(self.kam_manager).write({"kam_is_key_account": True})
        for user in (self.kam_user, self.salesman):
            with self.subTest(user=user.login), self.assertRaisesMessage(UserError, "commercial entity follows"):
                buyer.with_user(user).write({"commercial_partner_id": own.id})
        with self.assertRaisesMessage(UserError, "commercial entity follows"):
            as_kam.create({"name": "Forged", "parent_id": victim.id, "commercial_partner_id": own.id})
        self.assertEqual(buyer.commercial_partner_id, victim)
        self.assertFalse(Order.with_user(self.kam_user).search([("id", "=", order.id)]))
        # the value Odoo computes passes (a client sending the form's value back)
        buyer.with_user(self.kam_user).write({"commercial_partner_id": victim.id, "function": "Buyer"})
        self.assertEqual(buyer.function, "Buyer")

    def test_detached_contact_is_no_key_account(self):
        """A plain contact taken out of its key account (no company any more,
        or made a company of its own) by anyone allowed to edit it drops the
        account's values: it is no key account of its own, with the former
        account's manager and notes, that the same user could then neither
        put back nor delete."""
        self.account.with_user(self.kam_manager).write({"kam_potential": 40, "kam_tier_id": self.tier_b.id})
        self.assertEqual(self.account.kam_competitor_notes_text, "Rival X undercuts us")
        Partner = self.env["res.partner"]
        for user, vals in (
            (self.accountant, {"parent_id": False}),
            (self.internal, {"is_company": True}),
            (self.kam_user, {"parent_id": False, "is_company": True}),
        ):
            with self.subTest(user=user.login, vals=vals):
                # (who may create and delete contacts in Odoo)
                user.write({"groups_id": [Command.link(self.env.ref("base.group_partner_manager").id)]})
                contact = Partner.create({"name": f"Leaving {user.login}", "parent_id": self.account.id})
                self.assertTrue(contact.kam_is_key_account)  # (Odoo's commercial sync)
                self.account.invalidate_recordset(["write_date"])
                before = self.account.write_date
                self.env.cr.execute("UPDATE res_partner SET write_date = '2020-01-01' WHERE id = %s", [self.account.id])
                self.account.invalidate_recordset(["write_date"])
                contact.with_user(user).write(dict(vals))
                self.assertEqual(contact.commercial_partner_id, contact)
                self.assertEqual(
                    (
                        contact.kam_is_key_account,
                        contact.kam_manager_id,
                        contact.kam_team_user_ids,
                        contact.kam_tier_id,
                        contact.kam_potential,
                        contact.kam_competitor_notes_text,
                        contact.kam_key_account_since,
                    ),
                    (False, self.env["res.users"], self.env["res.users"], self.env["kam.tier"], 0, False, False),
                )
                self.assertFalse(Partner.search([("id", "=", contact.id), *KEY_ACCOUNT_DOMAIN]))
                # the former account is looked at again by the daily stages (its contact's orders left)
                self.account.invalidate_recordset(["write_date"])
                self.assertGreaterEqual(self.account.write_date, before)
                # and the user who took it out may put it back, or delete it
                contact.with_user(user).write({"parent_id": self.account.id, "is_company": False})
                self.assertEqual(contact.kam_manager_id, self.kam_user)
                contact.with_user(user).write({"parent_id": False})
                contact.with_user(user).unlink()
                self.assertFalse(contact.exists())
        # the account itself keeps everything
        self.assertEqual((self.account.kam_is_key_account, self.account.kam_potential), (True, 40))
        # its own contacts drop them with it
        contact = Partner.create({"name": "Leaving with a team", "parent_id": self.account.id})
        assistant = Partner.create({"name": "Their assistant", "parent_id": contact.id})
        self.assertTrue(assistant.kam_is_key_account)
        contact.with_user(self.kam_user).write({"parent_id": False})
        self.assertEqual(
            (assistant.commercial_partner_id, assistant.kam_is_key_account, assistant.kam_manager_id),
            (contact, False, self.env["res.users"]),
        )
        # moved under a company that is no key account, it drops them too (it was refused)
        plain = Partner.create({"name": "Plain Co", "is_company": True})
        for parent in (plain, Partner.create({"name": "Plain Co buyer", "parent_id": plain.id})):
            with self.subTest(parent=parent.name):
                contact = Partner.create({"name": "Changing jobs", "parent_id": self.account.id})
                contact.with_user(self.salesman).write({"parent_id": parent.id})
                self.assertEqual(contact.commercial_partner_id, plain)
                self.assertEqual((contact.kam_is_key_account, contact.kam_manager_id), (False, self.env["res.users"]))
        # a contact moved under another key account gets that account's values (Odoo's sync), as before
        contact = Partner.create({"name": "Moving buyer", "parent_id": self.account.id})
        contact.with_user(self.accountant).write({"parent_id": self.other_account.id})
        self.assertEqual(contact.kam_manager_id, self.kam_user2)
        # a key account manager who makes a detached contact a key account of its own says so
        contact = Partner.create({"name": "New branch", "parent_id": self.account.id})
        contact.with_user(self.kam_manager).write(
            {"parent_id": False, "is_company": True, "kam_is_key_account": True, "kam_manager_id": self.kam_user.id}
        )
        self.assertTrue(contact.kam_is_key_account)

    def test_contacts_carry_their_company_values_only(self):
        for user in (self.kam_user2, self.kam_user, self.kam_manager):
            for vals in ({"kam_manager_id": self.kam_user2.id}, {"kam_potential": 99}, {"kam_is_key_account": False}):
                with self.subTest(user=user.login, vals=vals), self.assertRaisesMessage(UserError, "is a contact of"):
                    self.contact.with_user(user).write(vals)
        with self.assertRaisesMessage(UserError, "is a contact of"):
            self.contact.with_user(self.salesman).write({"kam_manager_id": self.salesman.id})
        self.assertEqual(self.contact.kam_manager_id, self.kam_user)
        self.assertTrue(self.account.kam_is_key_account)
        # the company's change reaches its contacts (Odoo's commercial sync)
        self.account.with_user(self.kam_user).write(
            {"kam_potential": 40, "kam_team_user_ids": [Command.set(self.kam_user2.ids)]}
        )
        self.assertEqual(self.contact.kam_potential, 40)
        self.assertEqual(self.contact.kam_team_user_ids, self.kam_user2)

    def test_merge_wizard_checks_the_key_account(self):
        own = self._make_account("B's own account", manager=self.kam_user2)
        Wizard = self.env["base.partner.merge.automatic.wizard"]
        with self.assertRaisesMessage(AccessError, "is a key account"):
            Wizard.with_user(self.kam_user2)._merge((self.account | own).ids, own)
        self.assertTrue(self.account.exists())
        self.assertEqual(self.interaction.partner_id, self.account)


@tagged("post_install", "-at_install")
class TestCopiedText(KamSecurityCommon):
    """Text copied out of protected records reaches nobody who cannot read
    the source: activities, chatter notes, tracking values."""

    def test_tier_change_in_chatter_only_as_tracking(self):
        self.account.with_user(self.kam_manager).write({"kam_tier_id": self.tier_b.id})
        message = self.account.message_ids.filtered("tracking_value_ids")[:1]
        tracking = message.tracking_value_ids.filtered(lambda t: t.field_id.name == "kam_tier_id")
        self.assertEqual(tracking.new_value_char, "Tier B")
        self.assertFalse(message.body, "no figures in the message body")
        for role in ("internal", "accountant", "portal"):
            env = self.env(user=self.roles[role])
            self.assertFalse(tracking._filter_has_field_access(env), f"{role} does not see the tier tracking")
        self.assertTrue(tracking._filter_has_field_access(self.env(user=self.salesman)))

    def test_next_step_on_the_interaction(self):
        self.interaction.write(
            {"next_step": "Offer 5% off", "next_step_date": self.today, "next_step_user_id": self.kam_user.id}
        )
        activity = self.interaction.next_activity_id
        self.assertEqual(activity.res_model, "kam.interaction")
        for user in (self.internal, self.kam_user2, self.salesman):
            with self.subTest(user=user.login):
                self.assertFalse(
                    self.env["mail.activity"].with_user(user).search([("summary", "ilike", "5% off")]),
                    "nobody who cannot read the interaction reads its next step",
                )
        self.assertFalse(self.account.with_user(self.internal).activity_ids)

    def test_followers_of_key_account_records_hidden_from_other_employees(self):
        self.interaction.message_subscribe(partner_ids=self.kam_user.partner_id.ids)
        domain = [("res_model", "=", "kam.interaction"), ("res_id", "=", self.interaction.id)]
        for user in (self.internal, self.accountant, self.salesman):
            with self.subTest(user=user.login):
                self.assertFalse(self.env["mail.followers"].with_user(user).search(domain))
        self.assertTrue(self.env["mail.followers"].with_user(self.kam_user).search(domain))
        # the key-account roles see the followers of the records they read, not those of other teams' accounts
        rival = self.env["res.partner"].create({"name": "Rival Ltd", "is_company": True})
        note = self.env["kam.competitor.note"].create({"partner_id": self.account.id, "competitor_id": rival.id})
        note.message_subscribe(partner_ids=self.kam_user.partner_id.ids)
        theirs = self.env["kam.interaction"].create({"partner_id": self.other_account.id, "name": "Their talk"})
        theirs.message_subscribe(partner_ids=self.kam_user2.partner_id.ids)
        ours = (
            self.env["mail.followers"]
            .search(
                [
                    ("res_model", "in", ["kam.interaction", "kam.competitor.note"]),
                    ("res_id", "in", [self.interaction.id, note.id]),
                ]
            )
            .filtered(lambda f: f.res_model == "kam.competitor.note" or f.res_id == self.interaction.id)
        )
        self.assertEqual(set(ours.mapped("res_model")), {"kam.interaction", "kam.competitor.note"})
        kam_domain = [("res_model", "like", "kam.")]
        for user in (self.kam_user2, self.viewer):
            with self.subTest(user=user.login):
                Followers = self.env["mail.followers"].with_user(user)
                self.assertFalse(Followers.search(kam_domain) & ours)
                self.assertFalse(Followers.search_read([("id", "in", ours.ids)], ["res_model", "res_id"]))
                with self.assertRaises(AccessError):
                    ours.with_user(user).read(["res_model", "res_id", "partner_id"])
        self.assertIn(
            theirs.id,
            self.env["mail.followers"]
            .with_user(self.kam_user2)
            .search([("res_model", "=", "kam.interaction")])
            .mapped("res_id"),
        )
        for user in (self.kam_user, self.kam_manager):
            with self.subTest(user=user.login):
                self.assertEqual(self.env["mail.followers"].with_user(user).search([("id", "in", ours.ids)]), ours)
        # the technical field of the rule is no search of other users
        with self.assertRaises(AccessError):
            self.env["mail.followers"].with_user(self.kam_user).search([("kam_readable_by", "=", self.kam_manager.id)])
        # followers of core records stay visible as in Odoo
        self.account.message_subscribe(partner_ids=self.kam_user.partner_id.ids)
        self.assertTrue(
            self.env["mail.followers"]
            .with_user(self.internal)
            .search([("res_model", "=", "res.partner"), ("res_id", "=", self.account.id)])
        )

    def test_key_account_activities_hidden_from_other_employees(self):
        activity = self.env["kam.activity"]._raise_once([(self.account.id, "cadence", self.kam_user.id, "Follow up")])
        self.assertTrue(activity)
        self.assertFalse(self.env["mail.activity"].with_user(self.internal).search([("id", "=", activity.id)]))
        self.assertFalse(self.env["mail.activity"].with_user(self.accountant).search([("id", "=", activity.id)]))
        self.assertEqual(
            self.env["mail.activity"].with_user(self.kam_user).search([("id", "=", activity.id)]), activity
        )
        # a salesman may write the partner (Odoo then shows its activities) but has no key-account group
        self.assertFalse(self.env["mail.activity"].with_user(self.salesman).search([("id", "=", activity.id)]))
        # another team's key account user or viewer neither: it says the account is due for contact
        # (viewers who may edit contacts: Odoo shows a partner's activities to those who may post on it)
        partner_manager = self.env.ref("base.group_partner_manager")
        (self.viewer | self.viewer_all).write({"groups_id": [Command.link(partner_manager.id)]})
        self.assertFalse(self.env["mail.activity"].with_user(self.kam_user2).search([("id", "=", activity.id)]))
        self.assertFalse(self.env["mail.activity"].with_user(self.viewer).search([("id", "=", activity.id)]))
        for user in (self.kam_manager, self.viewer_all):
            with self.subTest(user=user.login):
                found = self.env["mail.activity"].with_user(user).search([("id", "=", activity.id)])
                self.assertEqual(found, activity)
        self.account.kam_team_user_ids = [Command.link(self.viewer.id)]
        self.assertEqual(self.env["mail.activity"].with_user(self.viewer).search([("id", "=", activity.id)]), activity)

    def test_key_account_activities_hidden_from_the_partner_fields(self):
        """The partner's "next activity" fields (Odoo's activity mixin: type,
        icon and summary are related fields read as superuser) do not show
        a job's activity to those the rules hide it from."""
        activity = self.env["kam.activity"]._raise_once([(self.account.id, "cadence", self.kam_user.id, "Call them")])
        self.assertTrue(activity)
        fnames = [
            "activity_summary",
            "activity_type_id",
            "activity_type_icon",
            "activity_user_id",
            "activity_state",
            "activity_date_deadline",
            "activity_exception_decoration",
        ]
        # the contact too: its account's activities are not its own, nothing to show either way
        for user in (self.internal, self.accountant, self.salesman, self.kam_user2):
            with self.subTest(user=user.login):
                self.env.invalidate_all()
                values = self.account.with_user(user).read(fnames)[0]
                self.assertEqual({fname: values[fname] for fname in fnames}, dict.fromkeys(fnames, False))
                self.assertFalse(
                    self.env["res.partner"].with_user(user).search([("activity_summary", "=", "Call them")])
                )
        self.env.invalidate_all()
        values = self.account.with_user(self.kam_user).read(fnames)[0]
        self.assertEqual(
            (values["activity_summary"], values["activity_type_id"][0], values["activity_user_id"][0]),
            ("Call them", activity.activity_type_id.id, self.kam_user.id),
        )
        # an activity scheduled on the partner shows, as in Odoo, to those who see the partner's
        # activities (who may write it), after the job's that it does not show
        todo = self.account.activity_schedule("mail.mail_activity_data_todo", summary="Send the catalogue")
        self.assertLess(activity.id, todo.id)
        self.internal.write({"groups_id": [Command.link(self.env.ref("base.group_partner_manager").id)]})
        self.env.invalidate_all()
        values = self.account.with_user(self.internal).read(fnames)[0]
        self.assertEqual(
            (values["activity_summary"], values["activity_type_id"][0], values["activity_user_id"][0]),
            ("Send the catalogue", todo.activity_type_id.id, todo.user_id.id),
        )

    def test_key_account_activities_not_found_by_partner_searches(self):
        """Searching partners by their next activity (responsible, deadline,
        state, type, summary, exception, the activities themselves) reaches
        a job's activity only for those the rules show it to; activities
        scheduled on the partner are found as in Odoo."""
        Activity = self.env["mail.activity"]
        job = self.env["kam.activity"]._raise_once([(self.account.id, "cadence", self.kam_user.id, "Call them")])
        job.date_deadline = self.today - timedelta(days=3)
        job.activity_type_id.decoration_type = "warning"
        self.assertEqual(Activity.search([("res_model", "=", "res.partner"), ("res_id", "=", self.account.id)]), job)
        searches = [
            [("activity_user_id", "=", self.kam_user.id)],
            [("activity_user_id", "in", self.kam_user.ids)],
            [("activity_date_deadline", "<", self.today)],
            [("activity_state", "=", "overdue")],
            [("activity_state", "in", ["overdue", "today"])],
            [("activity_state", "!=", False)],
            [("activity_type_id", "=", job.activity_type_id.id)],
            [("activity_summary", "ilike", "call")],
            [("activity_exception_decoration", "=", "warning")],
            [("activity_ids.summary", "=", "Call them")],
            [("activity_ids", "!=", False)],
        ]
        partner_manager = self.env.ref("base.group_partner_manager")
        (self.internal | self.viewer).write({"groups_id": [Command.link(partner_manager.id)]})
        for user in (self.internal, self.accountant, self.salesman, self.kam_user2, self.viewer):
            for domain in searches:
                with self.subTest(user=user.login, domain=domain):
                    found = self.env["res.partner"].with_user(user).search([("id", "=", self.account.id), *domain])
                    self.assertFalse(found)
            # partners without activity: the account is one of them, to them
            for domain in ([("activity_state", "=", False)], [("activity_date_deadline", "=", False)]):
                with self.subTest(user=user.login, domain=domain):
                    found = self.env["res.partner"].with_user(user).search([("id", "=", self.account.id), *domain])
                    self.assertEqual(found, self.account)
        for user in (self.kam_user, self.kam_manager, self.env.user):
            for domain in searches:
                with self.subTest(user=user.login, domain=domain):
                    found = self.env["res.partner"].with_user(user).search([("id", "=", self.account.id), *domain])
                    self.assertEqual(found, self.account)
        # an activity scheduled on the partner is found as in Odoo, by whoever reads the partner
        todo = self.account.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=self.today + timedelta(days=5),
            summary="Send the catalogue",
            user_id=self.internal.id,
        )
        for domain in (
            [("activity_user_id", "=", self.internal.id)],
            [("activity_summary", "=", "Send the catalogue")],
            [("activity_state", "=", "planned")],
            [("activity_date_deadline", "=", todo.date_deadline)],
        ):
            with self.subTest(domain=domain):
                found = self.env["res.partner"].with_user(self.salesman).search([("id", "=", self.account.id), *domain])
                self.assertEqual(found, self.account)
        # the hidden overdue job does not make the partner overdue to them, in a search or a grouping
        for context in ({}, {"active_test": False}):
            found = (
                self.env["res.partner"]
                .with_user(self.internal)
                .with_context(**context)
                .search([("id", "=", self.account.id), ("activity_state", "=", "overdue")])
            )
            self.assertFalse(found)
        for user, state in ((self.internal, "planned"), (self.salesman, "planned"), (self.kam_user, "overdue")):
            with self.subTest(user=user.login):
                groups = (
                    self.env["res.partner"]
                    .with_user(user)
                    ._read_group([("id", "=", self.account.id)], ["activity_state"], ["__count"])
                )
                self.assertEqual(groups, [(state, 1)])
        # a done (archived) activity is no open one, whatever the context
        todo.action_feedback(feedback="Sent")
        job.sudo().active = False
        for context in ({}, {"active_test": False}):
            found = (
                self.env["res.partner"]
                .with_user(self.kam_user)
                .with_context(**context)
                .search([("id", "=", self.account.id), ("activity_state", "!=", False)])
            )
            self.assertFalse(found)

    def test_activity_state_bad_search_refused_with_a_message(self):
        """An operator the activity state does not support is refused with a
        message, for the users the activity rules apply to and for those
        they leave to Odoo (a portal user, the superuser); a single state
        given to ``in`` is searched as a list of one."""
        Partner = self.env["res.partner"]
        for user in (self.kam_user, self.salesman, self.portal, self.env.user):
            for operator, value in (("like", "over"), ("<", "today"), ("ilike", False)):
                with self.subTest(user=user.login, operator=operator), self.assertRaises(UserError):
                    Partner.with_user(user).search([("activity_state", operator, value)])
        job = self.env["kam.activity"]._raise_once([(self.account.id, "cadence", self.kam_user.id, "Call them")])
        job.date_deadline = self.today - timedelta(days=3)
        for operator, found in (("in", self.account), ("not in", Partner)):
            with self.subTest(operator=operator):
                result = Partner.with_user(self.kam_user).search(
                    [("id", "=", self.account.id), ("activity_state", operator, "overdue")]
                )
                self.assertEqual(result, found)

    def test_care_reminders_reach_the_account_team_only(self):
        soon = self.today + timedelta(days=3)
        self.contact.sudo().kam_birthday = soon.replace(year=1980)
        self.account.sudo().kam_contract_date = soon.replace(year=soon.year - 3)
        self.env["kam.cadence.engine"]._raise_care_activities(self.account)
        Activity = self.env["mail.activity"]
        on_account = [
            ("res_model", "=", "res.partner"),
            ("res_id", "=", self.account.id),
            ("kam_reason", "like", "care:"),
        ]
        reminders = Activity.search(on_account)
        self.assertEqual(len(reminders), 2, "the contact's birthday and the contract anniversary")
        self.assertEqual(Activity.with_user(self.kam_user).search(on_account), reminders)
        # (all of them may edit contacts: Odoo shows a partner's activities to those who may post on it)
        partner_manager = self.env.ref("base.group_partner_manager")
        (self.viewer | self.internal).write({"groups_id": [Command.link(partner_manager.id)]})
        for user in (self.kam_user2, self.viewer, self.salesman, self.internal):
            with self.subTest(user=user.login):
                self.assertFalse(Activity.with_user(user).search(on_account))
        # done: the trace in the partner's chatter (read by all who read the partner) is neutral
        reminders.with_user(self.kam_user).action_feedback(feedback="Flowers sent")
        done = self.env["mail.message"].search(
            [("model", "=", "res.partner"), ("res_id", "=", self.account.id), ("mail_activity_type_id", "!=", False)]
        )
        self.assertEqual(len(done), 2)
        for body in done.mapped("body"):
            self.assertIn("Flowers sent", body)
            self.assertNotIn(self.contact.name, body)
            self.assertNotIn(str(soon.day), re.sub(r"<[^>]+>", "", body).replace("Flowers sent", ""))
        # the done reminders keep their text, for the account's team
        kept = Activity.with_user(self.kam_user).with_context(active_test=False).search(on_account)
        self.assertEqual(kept, reminders)
        self.assertTrue(all(kept.mapped("summary")))
        self.assertFalse(Activity.with_user(self.kam_user2).with_context(active_test=False).search(on_account))


@tagged("post_install", "-at_install")
class TestMultiCompany(KamSecurityCommon):
    def test_key_account_user_of_one_company_sees_nothing_of_another(self):
        company_b = self.env["res.company"].create({"name": "KAM Company B"})
        user_a = new_test_user(self.env, "kam_sec_user_a", groups=USER, company_id=self.company.id)
        account_b = (
            self.env["res.partner"]
            .with_company(company_b)
            .create(
                {
                    "name": "B Account",
                    "is_company": True,
                    "company_id": company_b.id,
                    "kam_is_key_account": True,
                    "kam_manager_id": user_a.id,
                }
            )
        )
        interaction_b = (
            self.env["kam.interaction"]
            .with_company(company_b)
            .create({"partner_id": account_b.id, "name": "B talk", "channel": "phone", "company_id": company_b.id})
        )
        self.assertFalse(self.env["kam.interaction"].with_user(user_a).search([("id", "=", interaction_b.id)]))
        self.assertFalse(self.env["res.partner"].with_user(user_a).search([("id", "=", account_b.id)]))
        # its contacts belong to its company too: they carry its tier, manager and team
        contact_b = (
            self.env["res.partner"].with_company(company_b).create({"name": "B buyer", "parent_id": account_b.id})
        )
        self.assertEqual(contact_b.company_id, company_b)
        self.assertFalse(self.env["res.partner"].with_user(user_a).search([("id", "=", contact_b.id)]))
        # a key account marked without a company gets the current one
        shared = self.env["res.partner"].create({"name": "Shared customer", "is_company": True})
        self.assertFalse(shared.company_id)
        shared.with_user(self.kam_user).write({"kam_is_key_account": True})
        self.assertEqual(shared.company_id, self.env.company)

    def test_records_belong_to_their_account_company(self):
        """A record of a key account (interaction, plan, review...) belongs to
        the account's company: given none, it gets it whatever the user's
        current company; in another company (or none) it would be read by
        that company's users, who do not see the account."""
        company_b = self.env["res.company"].create({"name": "KAM Company B"})
        both = new_test_user(
            self.env,
            "kam_sec_both",
            groups=USER,
            company_id=self.company.id,
            company_ids=[Command.set((self.company | company_b).ids)],
        )
        self.account.kam_team_user_ids = [Command.link(both.id)]
        Interaction = (
            self.env["kam.interaction"]
            .with_user(both)
            .with_context(allowed_company_ids=[company_b.id, self.company.id])
        )
        talk = Interaction.create({"partner_id": self.account.id, "name": "Talk", "channel": "phone"})
        self.assertEqual(talk.company_id, self.company)
        today = fields.Date.today()
        for model, vals in (
            ("kam.interaction", {"name": "Leak", "channel": "phone"}),
            ("kam.plan", {"name": "Leak", "date_start": today, "date_end": today}),
            ("kam.review", {"date_from": today, "date_to": today}),
        ):
            for company in (company_b, self.env["res.company"]):
                with (
                    self.subTest(model=model, company=company.name),
                    self.assertRaisesMessage(ValidationError, "belong to its company"),
                ):
                    self.env[model].with_user(both).with_context(
                        allowed_company_ids=[company_b.id, self.company.id]
                    ).create(dict(vals, partner_id=self.account.id, company_id=company.id))
        for company in (company_b, self.env["res.company"]):
            with self.subTest(company=company.name), self.assertRaisesMessage(ValidationError, "belong to its company"):
                talk.write({"company_id": company.id})
        # moved onto an account of another company, it follows that company
        account_b = (
            self.env["res.partner"]
            .with_company(company_b)
            .create({"name": "B Account", "is_company": True, "company_id": company_b.id})
        )
        account_b.with_company(company_b).write({"kam_is_key_account": True, "kam_manager_id": both.id})
        talk.with_user(both).with_context(allowed_company_ids=[company_b.id, self.company.id]).write(
            {"partner_id": account_b.id}
        )
        self.assertEqual(talk.company_id, company_b)

    def test_contacts_belong_to_their_account_company(self):
        """A contact of a key account carries the account's values (manager,
        tier, scope, notes): it belongs to the account's company, never to
        another one or to none (where every company's users read them)."""
        company_b = self.env["res.company"].create({"name": "KAM Company B"})
        self.internal.write(
            {
                "groups_id": [Command.link(self.env.ref("base.group_partner_manager").id)],
                "company_ids": [Command.link(company_b.id)],
            }
        )
        Partner = self.env["res.partner"].with_user(self.internal)
        given_none = Partner.create({"name": "No company", "parent_id": self.account.id, "company_id": False})
        self.assertEqual(given_none.company_id, self.company)
        with self.assertRaisesMessage(ValidationError, "belongs to the account's company"):
            Partner.create({"name": "Elsewhere", "parent_id": self.account.id, "company_id": company_b.id})
        for company in (company_b, self.env["res.company"]):
            for context in ({}, {"kam_company_moving": True}):  # (a client's context changes nothing)
                with (
                    self.subTest(company=company.name, context=context),
                    self.assertRaisesMessage(ValidationError, "account's company"),
                ):
                    self.contact.with_user(self.internal).with_context(**context).write({"company_id": company.id})
        self.assertEqual(self.contact.company_id, self.company)
        # a partner of no company (or another one) put under the account gets its company
        loose = self.env["res.partner"].create({"name": "Loose", "company_id": company_b.id})
        loose.with_user(self.internal).write({"parent_id": self.account.id})
        self.assertEqual(loose.company_id, self.company)
        # an account moved to another company by a key account manager: its contacts follow (Odoo's sync)
        moved = self._make_account("Moving Account", manager=self.kam_user)
        contacts = Partner.create([{"name": f"Moving buyer {i}", "parent_id": moved.id} for i in range(2)])
        self.assertEqual(contacts.company_id, moved.company_id)
        self.kam_manager.write({"company_ids": [Command.link(company_b.id)]})
        talk = self.env["kam.interaction"].create({"partner_id": moved.id, "name": "Talk", "channel": "phone"})
        today = fields.Date.today()
        review = self.env["kam.review"].create({"partner_id": moved.id, "date_from": today, "date_to": today})
        self.assertTrue(review.line_ids)
        moved.with_user(self.kam_manager).write({"company_id": company_b.id})
        self.assertEqual(contacts.company_id, company_b)
        # and its records, with the lines that follow them
        self.assertEqual((talk.company_id, review.company_id), (company_b, company_b))
        self.assertEqual(review.line_ids.company_id, company_b)
        talk.write({"name": "Talk again", "partner_id": moved.id})
        # a plain company's contacts keep Odoo's freedom
        plain = self.env["res.partner"].create({"name": "Plain Co", "is_company": True, "company_id": self.company.id})
        buyer = Partner.create({"name": "Plain buyer", "parent_id": plain.id, "company_id": False})
        buyer.write({"company_id": company_b.id})
        self.assertEqual(buyer.company_id, company_b)

    def test_migration_moves_records_to_their_account_company(self):
        """18.0.1.13.1: records of an account left in another company (or
        none) by earlier versions move to the account's company."""
        migration = load_migration("18.0.1.13.1")
        company_b = self.env["res.company"].create({"name": "KAM Company B"})
        talk = self.env["kam.interaction"].create({"partner_id": self.account.id, "name": "Talk", "channel": "phone"})
        plan = self.env["kam.plan"].create(
            {
                "partner_id": self.account.id,
                "name": "P",
                "date_start": fields.Date.today(),
                "date_end": fields.Date.today(),
            }
        )
        review = self.env["kam.review"].create(
            {"partner_id": self.account.id, "date_from": fields.Date.today(), "date_to": fields.Date.today()}
        )
        self.assertTrue(review.line_ids)
        self.env.flush_all()
        self.env.cr.execute("UPDATE kam_interaction SET company_id = %s WHERE id = %s", [company_b.id, talk.id])
        self.env.cr.execute("UPDATE kam_plan SET company_id = NULL WHERE id = %s", [plan.id])
        self.env.cr.execute("UPDATE kam_review SET company_id = %s WHERE id = %s", [company_b.id, review.id])
        self.env.cr.execute(
            "UPDATE kam_review_line SET company_id = %s WHERE review_id = %s", [company_b.id, review.id]
        )
        migration.migrate(self.env.cr, "18.0.1.13.0")
        self.env.invalidate_all()
        self.assertEqual((talk.company_id, plan.company_id, review.company_id), (self.company,) * 3)
        self.assertEqual(review.line_ids.company_id, self.company)

    def test_migration_moves_contacts_to_their_account_company(self):
        """18.0.1.13.2: contacts of a key account left in another company (or
        none) by earlier versions get the account's company; one Odoo
        refuses to move (a user of another company is attached to it) stays,
        and the others move all the same."""
        migration = load_migration("18.0.1.13.2")
        company_b = self.env["res.company"].create({"name": "KAM Company B"})
        Partner = self.env["res.partner"]
        elsewhere = Partner.create({"name": "Elsewhere buyer", "parent_id": self.account.id})
        nowhere = Partner.create({"name": "Nowhere buyer", "parent_id": self.account.id})
        archived = Partner.create({"name": "Former buyer", "parent_id": self.account.id, "active": False})
        portal = new_test_user(
            self.env,
            "kam_portal_b",
            groups="base.group_portal",
            company_id=company_b.id,
            company_ids=[Command.set(company_b.ids)],
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_partner SET company_id = %s WHERE id IN %s", [company_b.id, (elsewhere.id, archived.id)]
        )
        self.env.cr.execute("UPDATE res_partner SET company_id = NULL WHERE id = %s", [nowhere.id])
        self.env.cr.execute(
            "UPDATE res_partner SET parent_id = %s, commercial_partner_id = %s, company_id = %s WHERE id = %s",
            [self.account.id, self.account.id, company_b.id, portal.partner_id.id],
        )
        # a plain company's contacts are left alone
        plain = Partner.create({"name": "Plain Co", "is_company": True, "company_id": self.company.id})
        free = Partner.create({"name": "Plain buyer", "parent_id": plain.id, "company_id": False})
        self.env.invalidate_all()
        with self.assertLogs(migration._logger.name, level="WARNING") as logs:
            migration.migrate(self.env.cr, "18.0.1.13.1")
        self.env.invalidate_all()
        self.assertEqual((elsewhere | nowhere | archived).company_id, self.company)
        self.assertEqual(portal.partner_id.company_id, company_b)
        self.assertIn(f"contact {portal.partner_id.id} ", logs.output[0])
        self.assertFalse(free.company_id)

    def test_key_account_keeps_a_company(self):
        for env in (self.env(user=self.kam_user), self.env(user=self.kam_manager), self.env):
            with self.subTest(user=env.user.login), self.assertRaises(ValidationError):
                self.account.with_env(env).write({"company_id": False})
        self.assertEqual(self.account.company_id, self.company)
        # a plain company may still be shared between companies
        plain = self.env["res.partner"].create(
            {"name": "Plain shared", "is_company": True, "company_id": self.company.id}
        )
        plain.write({"company_id": False})
        self.assertFalse(plain.company_id)

    def test_accounts_without_company_get_one(self):
        """Key accounts marked before 18.0.1.3.0 may have no company: the
        18.0.1.4.0 migration gives them one."""
        company_b = self.env["res.company"].create({"name": "KAM Company B", "currency_id": self.usd.id})
        self.env.user.company_ids = [Command.link(company_b.id)]
        managed = self.account
        unmanaged = self._make_account("Unmanaged Old Account")
        silent = self._make_account("Silent Old Account")
        accounts = managed | unmanaged | silent
        self.env.flush_all()
        self.env.cr.execute("UPDATE res_partner SET company_id = NULL WHERE id IN %s", [tuple(accounts.ids)])
        self.env.invalidate_all()
        for company in (company_b, company_b, self.company):
            order = self._order(unmanaged, 100.0, confirm=False)
            order.company_id = company
            order.action_confirm()
        assigned = self.env["res.partner"]._kam_assign_missing_companies()
        self.assertEqual(
            assigned,
            {
                managed.id: self.kam_user.company_id.id,
                unmanaged.id: company_b.id,  # two of its three orders
                silent.id: self.env.ref("base.main_company").id,
            },
        )
        self.assertEqual(unmanaged.company_id, company_b)
        self.assertEqual(self.contact.company_id, self.kam_user.company_id, "contacts follow their company")
        self.assertEqual(self.env["res.partner"]._kam_assign_missing_companies(), {}, "nothing left to do")


@tagged("post_install", "-at_install")
class TestAccountPrivacy(KamSecurityCommon):
    """The profile, figures, health and risk of an account are read by its
    manager and team, key account managers and all-accounts viewers only:
    another team's key account user or viewer gets empty values on every
    path (read, export, search by value, grouping, sums, chatter)."""

    FIGURES = ["kam_revenue_current", "kam_health_score", "kam_risk_level", "kam_potential", "kam_business_scope"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account.sudo().write(
            {
                "kam_revenue_current": 5000.0,
                "kam_health_score": 40,
                "kam_risk_level": "high",
                "kam_potential": 80,
                "kam_business_scope": "Gears",
                "kam_contact_interval_days": 30,
                "kam_last_interaction_date": fields.Datetime.now() - timedelta(days=100),
            }
        )
        cls.contact.sudo().kam_buying_role = "decision_maker"
        cls.other_account.sudo().write({"kam_revenue_current": 7000.0, "kam_health_score": 90, "kam_risk_level": "low"})
        cls.both = cls.account | cls.other_account
        cls.expected = {
            "kam_revenue_current": 5000.0,
            "kam_health_score": 40,
            "kam_risk_level": "high",
            "kam_potential": 80,
            "kam_business_scope": "Gears",
        }
        cls.empty = dict.fromkeys(cls.FIGURES, False) | {
            "kam_revenue_current": 0.0,
            "kam_health_score": 0,
            "kam_potential": 0,
        }

    def _read(self, user, record=None):
        values = (record or self.account).with_user(user).read(self.FIGURES)[0]
        return {fname: values[fname] for fname in self.FIGURES}

    def test_every_viewer_field_of_an_account_is_private(self):
        public = {"kam_currency_id", "kam_can_manage_tier", "kam_sees_account"}
        Partner = self.env["res.partner"]
        for name, field in Partner._fields.items():
            if field.groups == VIEWER and field.type not in ("one2many", "many2many") and name not in public:
                with self.subTest(field=name):
                    self.assertIn(name, Partner._kam_private_fields())

    def test_who_reads_the_figures(self):
        self.viewer_all.write({"groups_id": [Command.link(self.env.ref("base.group_partner_manager").id)]})
        for user in (self.kam_user, self.kam_manager, self.viewer_all):
            with self.subTest(user=user.login):
                self.assertEqual(self._read(user), self.expected)
                self.assertTrue(self.account.with_user(user).kam_sees_account)
        for user in (self.kam_user2, self.viewer):
            with self.subTest(user=user.login):
                self.assertEqual(self._read(user), self.empty)
                self.assertFalse(self.account.with_user(user).kam_sees_account)
                # what a salesman sees stays visible
                self.assertEqual(self.account.with_user(user).kam_manager_id, self.kam_user)
                self.assertEqual(self.contact.with_user(user).kam_buying_role, False)
                self.assertEqual(self.account.with_user(user).kam_health_score, 0)
        self.assertEqual(self.contact.with_user(self.kam_user).kam_buying_role, "decision_maker")
        # a viewer in the account team reads it
        self.account.sudo().kam_team_user_ids = [Command.link(self.viewer.id)]
        self.assertEqual(self._read(self.viewer), self.expected)
        # the cache keeps the truth for code running as superuser
        self.assertEqual(self._read(self.kam_user2), self.empty)
        self.assertEqual(self.account.sudo().kam_revenue_current, 5000.0)

    def test_my_accounts_filter(self):
        """ "My Accounts" (kam_is_my_account): the accounts the user manages or
        is in the team of, with their contacts, on partners and through the
        records that hang on an account."""
        self.account.sudo().kam_team_user_ids = [Command.link(self.viewer.id)]
        Partner = self.env["res.partner"]
        for user, mine, theirs in (
            (self.kam_user, self.account, self.other_account),
            (self.viewer, self.account, self.other_account),
            (self.kam_user2, self.other_account, self.account),
        ):
            with self.subTest(user=user.login):
                found = Partner.with_user(user).search([("kam_is_my_account", "=", True)])
                self.assertIn(mine, found)
                self.assertNotIn(theirs, found)
                not_mine = Partner.with_user(user).search([("kam_is_my_account", "!=", True)])
                self.assertIn(theirs, not_mine)
                self.assertNotIn(mine, not_mine)
                self.assertTrue(mine.with_user(user).kam_is_my_account)
                self.assertFalse(theirs.with_user(user).kam_is_my_account)
        self.assertIn(self.contact, Partner.with_user(self.kam_user).search([("kam_is_my_account", "=", True)]))
        with self.assertRaises(ValidationError):
            Partner.search([("kam_is_my_account", "in", [True])])
        Interaction = self.env["kam.interaction"]
        ours, others = Interaction.create(
            [
                {"partner_id": self.account.id, "name": "Ours", "channel": "phone"},
                {"partner_id": self.other_account.id, "name": "Others", "channel": "phone"},
            ]
        )
        found = Interaction.search([("partner_id.kam_is_my_account", "=", True), ("id", "in", (ours | others).ids)])
        self.assertEqual(found, self.env["kam.interaction"])  # the superuser is in no team
        found = Interaction.with_user(self.kam_manager).search(
            [("partner_id.kam_is_my_account", "=", True), ("id", "in", (ours | others).ids)]
        )
        self.assertEqual(found, self.env["kam.interaction"])
        self.other_account.sudo().kam_team_user_ids = [Command.link(self.kam_manager.id)]
        found = Interaction.with_user(self.kam_manager).search(
            [("partner_id.kam_is_my_account", "=", True), ("id", "in", (ours | others).ids)]
        )
        self.assertEqual(found, others)

    def test_other_team_exports_and_web_reads_nothing(self):
        foreign = self.account.with_user(self.kam_user2)
        rows = foreign.export_data(["name", "kam_revenue_current", "kam_risk_level", "kam_business_scope"])["datas"]
        self.assertEqual(rows[0][1:], [0.0, "", ""])
        values = foreign.web_read(
            {"kam_health_score": {}, "kam_potential": {}, "child_ids": {"fields": {"kam_buying_role": {}}}}
        )
        self.assertEqual(values[0]["kam_health_score"], 0)
        self.assertEqual(values[0]["kam_potential"], 0)
        self.assertEqual({child["kam_buying_role"] for child in values[0]["child_ids"]}, {False})
        exported = self.account.with_user(self.kam_user).export_data(["kam_revenue_current"])["datas"]
        self.assertEqual(exported[0][0], 5000.0)

    def test_other_team_cannot_find_sum_or_group_by_value(self):
        Partner = self.env["res.partner"].with_user(self.kam_user2)
        in_both = [("id", "in", self.both.ids)]
        self.assertEqual(Partner.search(in_both + [("kam_revenue_current", ">", 1000)]), self.other_account)
        self.assertFalse(Partner.search(in_both + [("kam_risk_level", "=", "high")]))
        self.assertFalse(Partner.search(in_both + [("kam_business_scope", "ilike", "gear")]))
        self.assertFalse(Partner.search([("kam_buying_role", "=", "decision_maker"), ("id", "=", self.contact.id)]))
        self.assertFalse(Partner.search(in_both + [("child_ids.kam_buying_role", "=", "decision_maker")]))
        # last contacted 100 days ago: overdue for its team, not found as such by another team
        overdue = [("id", "=", self.account.id), ("kam_contact_overdue", "=", True)]
        self.assertEqual(self.env["res.partner"].with_user(self.kam_user).search(overdue), self.account)
        self.assertFalse(Partner.search(overdue))
        self.assertEqual(
            Partner.search([("id", "=", self.account.id), ("kam_contact_overdue", "=", False)]), self.account
        )
        # sorted as an empty value (real values: 5000 before 7000)
        self.assertEqual(
            Partner.search(in_both, order="kam_revenue_current, id").ids, self.other_account.ids + self.account.ids
        )
        [(total, average)] = Partner._read_group(in_both, [], ["kam_revenue_current:sum", "kam_health_score:avg"])
        self.assertEqual((total, average), (7000.0, 90))
        groups = dict(Partner._read_group(in_both, ["kam_risk_level"], ["__count"]))
        self.assertEqual(groups, {False: 1, "low": 1}, "another team's account is in the 'None' group")
        # its own team finds it, and managers see both
        Mine = self.env["res.partner"].with_user(self.kam_user)
        self.assertEqual(Mine.search(in_both + [("kam_risk_level", "=", "high")]), self.account)
        Managed = self.env["res.partner"].with_user(self.kam_manager)
        [(total,)] = Managed._read_group(in_both, [], ["kam_revenue_current:sum"])
        self.assertEqual(total, 12000.0)
        self.assertEqual(Managed.search(in_both, order="kam_revenue_current, id"), self.both)

    def test_tracked_changes_follow_the_account(self):
        self.account.with_user(self.kam_user).kam_potential = 55
        self.env.cr.precommit.run()  # tracking values are written before the commit
        trackings = (
            self.env["mail.tracking.value"]
            .sudo()
            .search(
                [
                    ("mail_message_id.model", "=", "res.partner"),
                    ("mail_message_id.res_id", "=", self.account.id),
                    ("field_id.name", "=", "kam_potential"),
                ]
            )
        )
        self.assertTrue(trackings)
        self.assertEqual(trackings._filter_has_field_access(self.env(user=self.kam_user)), trackings)
        self.assertEqual(trackings._filter_has_field_access(self.env(user=self.kam_manager)), trackings)
        self.assertFalse(trackings._filter_has_field_access(self.env(user=self.kam_user2)))
        self.assertFalse(trackings._filter_has_field_access(self.env(user=self.salesman)))

    def test_excel_export_leaves_other_accounts_figures_empty(self):
        wizard = (
            self.env["kam.account.export"]
            .with_user(self.kam_user2)
            .create({"partner_ids": [Command.set(self.both.ids)]})
        )
        rows = {row["id"]: row for row in wizard._read_rows(self.both.with_user(self.kam_user2))}
        self.assertIsNone(rows[self.account.id]["kam_revenue_current"])
        self.assertIsNone(rows[self.account.id]["kam_risk_level"])
        self.assertEqual(rows[self.other_account.id]["kam_revenue_current"], 7000.0)


@tagged("post_install", "-at_install")
class TestNotificationMails(KamSecurityCommon, MockEmail):
    """E-mail notifications, end to end: the followers of an account and the
    assignees of its activities get mails; what the addon keeps from others
    (profile, next steps, competitor text, tier) is in none of theirs."""

    def test_notification_mails_carry_no_key_account_text(self):
        outsiders = self.internal | self.portal | self.kam_user2 | self.salesman
        for user in outsiders | self.kam_user | self.kam_manager:
            user.partner_id.email = f"{user.login}@kam.example.com"
        subtypes = (self.env.ref("mail.mt_comment") | self.env.ref("mail.mt_note")).ids
        self.account.message_subscribe(partner_ids=outsiders.partner_id.ids, subtype_ids=subtypes)
        with self.mock_mail_gateway():
            self.account.with_user(self.kam_user).write(
                {"kam_business_scope": "Secret bearings", "kam_team_user_ids": [Command.link(self.viewer.id)]}
            )
            self.account.with_user(self.kam_manager).write({"kam_tier_id": self.tier_a.id})
            self.env["kam.interaction"].with_user(self.kam_user).create(
                {
                    "partner_id": self.account.id,
                    "name": "Price talk",
                    "channel": "meeting",
                    "summary": "They want -5%",
                    "next_step": "Offer 5% secret discount",
                    "next_step_date": self.today,
                    "next_step_user_id": self.kam_manager.id,
                }
            )
            # a message of the account's manager to its followers
            self.account.with_user(self.kam_user).message_post(
                body="Visit planned next week", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
            self.env.cr.precommit.run()  # tracking
        mails = [(set(mail["email_to"]), f"{mail['subject']} {mail['body']}") for mail in self._mails]

        def mails_to(users):
            emails = {f'"{user.partner_id.name}" <{user.partner_id.email}>' for user in users}
            return [text for recipients, text in mails if recipients & emails]

        # the followers, outsiders included, got the message: the check below looks at real mails
        for user in outsiders:
            with self.subTest(user=user.login):
                received = mails_to(user)
                self.assertTrue(any("Visit planned next week" in text for text in received), received)
                for secret in ("Secret bearings", "Offer 5% secret discount", "They want -5%", "Rival X"):
                    self.assertFalse([text for text in received if secret in text], secret)
        for user in self.internal | self.portal:
            self.assertFalse([text for text in mails_to(user) if self.tier_a.name in text], "tier")
        # the next step's owner, who may read the interaction, is told what to do
        self.assertTrue([text for text in mails_to(self.kam_manager) if "Offer 5% secret discount" in text])


@tagged("post_install", "-at_install")
class TestPrivacyReview(KamSecurityCommon):
    """What reading masked values must not do: post fake changes, overwrite
    real values, let bad values through a constraint."""

    def test_writes_of_other_teams_change_no_private_value(self):
        self.account.sudo().write({"kam_potential": 70, "kam_key_account_since": "2020-01-15"})
        self.env.cr.precommit.run()
        Tracking = self.env["mail.tracking.value"].sudo()
        on_account = [
            ("mail_message_id.res_id", "=", self.account.id),
            ("mail_message_id.model", "=", "res.partner"),
            ("field_id.name", "=like", "kam_%"),
        ]
        last = max(Tracking.search(on_account).ids or [0])
        # another team's key account user edits a core field, and marks it key again (nothing changes)
        self.account.with_user(self.kam_user2).write({"phone": "+86 10 1234 5678"})
        self.account.with_user(self.kam_user2).write({"kam_is_key_account": True})
        self.env.cr.precommit.run()
        new = Tracking.search(on_account + [("id", ">", last)])
        self.assertFalse(new, [(t.field_id.name, t.old_value_integer, t.new_value_integer) for t in new])
        self.assertEqual(str(self.account.kam_key_account_since), "2020-01-15")
        self.assertEqual(self.account.kam_potential, 70)

    def test_constraints_read_real_values(self):
        Partner = self.env["res.partner"].with_user(self.kam_user)
        for vals in (
            {"kam_contact_interval_days": -5},
            {"kam_key_account_since": "2999-01-01"},
        ):
            with self.subTest(vals=vals), self.assertRaises(ValidationError):
                Partner.create(
                    {"name": "Bad", "is_company": True, "kam_is_key_account": True, "kam_manager_id": self.kam_user2.id}
                    | vals
                )

    def test_first_tier_logged_once(self):
        account = self.env["res.partner"].create({"name": "New key", "is_company": True, "kam_is_key_account": True})
        self.assertTrue(account.kam_tier_id, "the lowest tier at least")
        history = self.env["kam.tier.history"].search([("partner_id", "=", account.id)])
        self.assertEqual(len(history), 1)
        # marked with a tier-lock value in the same write (an exported list imported again)
        marked = self.env["res.partner"].create({"name": "Marked key", "is_company": True})
        marked.write({"kam_is_key_account": True, "kam_tier_locked": False})
        self.assertTrue(marked.kam_tier_id)
        self.assertEqual(len(self.env["kam.tier.history"].search([("partner_id", "=", marked.id)])), 1)

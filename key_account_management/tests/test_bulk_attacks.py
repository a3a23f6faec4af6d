# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The bulk paths (SQL inserts and updates of the jobs, marking many accounts
at once) attacked as other users and other companies would: they skip the
ORM, so they must do what the ORM would have done (sanitize HTML, keep
company boundaries)."""

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from ..models.kam_activity import ActivityRequest
from .common import KamCommon

USER = "key_account_management.group_kam_user"
MANAGER = "key_account_management.group_kam_manager"


@tagged("post_install", "-at_install")
class TestBulkActivities(KamCommon):
    def test_bulk_activity_note_sanitized_as_the_orm_does(self):
        """An activity created in bulk stores the note the ORM would store:
        the HTML sanitized (no event handler survives)."""
        Activity = self.env["kam.activity"]
        note = "<p>Call <img src=x onerror=alert(1)> now</p>"
        orm = Activity._raise_once([ActivityRequest(self.account.id, "attack:orm", self.kam_user.id, "S", note)])
        bulk = Activity._raise_once(
            [ActivityRequest(self.account.id, "attack:bulk", self.kam_user.id, "S", note)], bulk=True
        )
        self.assertEqual(len(bulk), 1)
        self.env.flush_all()
        self.env.cr.execute("SELECT id, note FROM mail_activity WHERE id IN %s", [(orm.id, bulk.id)])
        stored = dict(self.env.cr.fetchall())
        self.assertNotIn("onerror", stored[orm.id], "the ORM sanitizes the note")
        self.assertEqual(stored[bulk.id], stored[orm.id], "the bulk insert stores what the ORM stores")

    def test_no_activity_for_an_archived_user(self):
        """A manager who left (archived user) gets no follow-up, in bulk or
        not: nobody would see it, and while it is open the account would
        never get another one. The account is skipped as an account
        without manager is, until it gets a manager again."""
        gone = new_test_user(self.env, "kam_att_gone", groups=USER)
        account = self._make_account("Account of a leaver", manager=gone, kam_tier_id=self.tier_c.id)
        gone.active = False
        Activity = self.env["kam.activity"]
        for bulk in (False, True):
            with self.subTest(bulk=bulk):
                created = Activity._raise_once([ActivityRequest(account.id, f"attack:{bulk}", gone.id, "S")], bulk=bulk)
                self.assertFalse(created)
        account.kam_last_interaction_date = fields.Datetime.now() - relativedelta(days=90)
        self.env["res.partner"]._cron_kam_contact_cadence()
        self.assertFalse(
            self.env["mail.activity"].search(
                [("res_model", "=", "res.partner"), ("res_id", "=", account.id), ("kam_reason", "=", "cadence")]
            )
        )
        self.assertNotIn(gone.partner_id, account.message_partner_ids)

    def test_bulk_notes_and_history_dated_as_the_orm_dates_them(self):
        """The tier notes, tier history lines and review notes written in
        bulk are dated to the second, as their ORM default
        (``fields.Datetime.now``) dates them."""
        self._order(self.account, 50.0)
        self.account.with_user(self.kam_user).action_kam_recompute_tier()
        history = self.env["kam.tier.history"].search([("partner_id", "=", self.account.id)])
        notes = self.account.message_ids.filtered("tracking_value_ids")
        self.assertTrue(history and notes)
        self.tier_c.review_interval_months = 1
        self.account.kam_key_account_since = fields.Date.today() - relativedelta(months=2)
        self.env["kam.review"]._cron_schedule_reviews()
        review = self.env["kam.review"].search([("partner_id", "=", self.account.id)])
        self.assertTrue(review.message_ids)
        for date in (*history.mapped("date"), *notes.mapped("date"), *review.message_ids.mapped("date")):
            self.assertEqual(date.microsecond, 0)

    def test_no_review_for_an_archived_manager(self):
        """The review of an account whose manager left (archived user) is
        scheduled without reviewer (for a key account manager to assign),
        not given to the archived user who follows it and never does it."""
        gone = new_test_user(self.env, "kam_att_gone", groups=USER)
        self.tier_c.review_interval_months = 1
        account = self._make_account(
            "Account of a leaver",
            manager=gone,
            kam_tier_id=self.tier_c.id,
            kam_key_account_since=fields.Date.today() - relativedelta(months=2),
        )
        gone.active = False
        self.env["kam.review"]._cron_schedule_reviews()
        review = self.env["kam.review"].search([("partner_id", "=", account.id)])
        self.assertEqual(len(review), 1)
        self.assertFalse(review.user_id)
        self.assertNotIn(gone.partner_id, review.message_partner_ids)

    def test_no_responsibility_for_an_archived_default_user(self):
        """A duty whose default user left (archived) is proposed without
        user, as a draft the manager fills (and a gap until then), not
        confirmed for the archived user (which would hide the gap)."""
        gone = new_test_user(self.env, "kam_att_gone", groups=USER)
        duty = self.env["kam.duty"].create(
            {"name": "Collections", "required": True, "function": "finance", "default_user_id": gone.id}
        )
        gone.active = False
        partner = self.env["res.partner"].create({"name": "New Key Co", "is_company": True})
        partner.with_user(self.kam_user).action_kam_mark_key_account()
        proposed = partner.kam_responsibility_ids.filtered(lambda r: r.duty_id == duty)
        self.assertEqual((proposed.state, proposed.user_id), ("draft", self.env["res.users"]))
        self.assertIn(duty, self.env["kam.responsibility.gap"].search([("partner_id", "=", partner.id)]).duty_id)
        # filled, then the user leaves: a gap again
        proposed.write({"user_id": self.kam_user2.id, "state": "confirmed"})
        self.assertNotIn(duty, self.env["kam.responsibility.gap"].search([("partner_id", "=", partner.id)]).duty_id)
        self.kam_user2.active = False
        self.assertIn(duty, self.env["kam.responsibility.gap"].search([("partner_id", "=", partner.id)]).duty_id)


@tagged("post_install", "-at_install")
class TestBulkMultiCompany(KamCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "KAM Attack B", "currency_id": cls.usd.id})
        cls.user_b = new_test_user(
            cls.env, "kam_att_user_b", groups=USER, company_id=cls.company_b.id, company_ids=[cls.company_b.id]
        )
        cls.manager_ab = new_test_user(
            cls.env,
            "kam_att_manager_ab",
            groups=MANAGER,
            company_id=cls.company.id,
            company_ids=[cls.company.id, cls.company_b.id],
        )
        cls.env.user.company_ids = [Command.link(cls.company_b.id)]

    def test_marking_moves_no_contact_of_another_company(self):
        """A user of company B marks a customer shared by all companies: it
        becomes company B's, with the contacts the user may read (as Odoo
        gives a company to the children it writes); a contact of company A,
        which the user cannot even read, stays company A's."""
        shared = self.env["res.partner"].create({"name": "Shared Customer", "is_company": True})
        contact_a = self.env["res.partner"].create(
            {"name": "A's buyer", "parent_id": shared.id, "company_id": self.company.id}
        )
        contact_shared = self.env["res.partner"].create({"name": "Shared buyer", "parent_id": shared.id})
        Partner_b = self.env["res.partner"].with_user(self.user_b).with_context(allowed_company_ids=[self.company_b.id])
        self.assertFalse(Partner_b.search([("id", "=", contact_a.id)]), "company A's contact is not company B's")
        shared.with_env(Partner_b.env).write({"kam_is_key_account": True})
        self.assertEqual(shared.company_id, self.company_b)
        self.assertEqual(contact_shared.company_id, self.company_b, "the contacts it reads follow")
        self.assertEqual(contact_a.company_id, self.company, "company A's contact is not moved by a user of B")
        # the same through the button
        shared2 = self.env["res.partner"].create({"name": "Shared Customer 2", "is_company": True})
        contact_a2 = self.env["res.partner"].create(
            {"name": "A's buyer 2", "parent_id": shared2.id, "company_id": self.company.id}
        )
        shared2.with_env(Partner_b.env).action_kam_mark_key_account()
        self.assertEqual(shared2.company_id, self.company_b)
        self.assertEqual(contact_a2.company_id, self.company)

    def test_proposed_responsibilities_belong_to_the_account_company(self):
        """The responsibilities proposed when an account of company B is
        marked (or its tier changes) belong to company B, whatever the
        current company of whoever marked it or of the scheduled job: else
        the account's own team (company B) never sees them."""
        self.env["kam.duty"].create({"name": "Att duty", "required": True, "function": "sales"})
        account_b = (
            self.env["res.partner"]
            .with_company(self.company_b)
            .create({"name": "B Account", "is_company": True, "company_id": self.company_b.id})
        )
        # the manager works in company A and sees both companies' records
        both = [self.company.id, self.company_b.id]
        env_a = self.env(user=self.manager_ab, context=dict(self.env.context, allowed_company_ids=both))
        self.assertEqual(env_a.company, self.company)
        account_b.with_env(env_a).write({"kam_is_key_account": True, "kam_manager_id": self.user_b.id})
        responsibilities = self.env["kam.responsibility"].search([("partner_id", "=", account_b.id)])
        self.assertTrue(responsibilities)
        self.assertEqual(responsibilities.company_id, self.company_b)
        team_b = self.env(user=self.user_b, context=dict(self.env.context, allowed_company_ids=[self.company_b.id]))
        self.assertEqual(
            self.env["kam.responsibility"].with_env(team_b).search([("partner_id", "=", account_b.id)]),
            responsibilities,
            "the account's manager (company B) sees them",
        )

    def test_duties_of_a_company_proposed_on_its_accounts_only(self):
        """A required duty of company A (with company A's default user) is
        proposed on company A's accounts, not on company B's."""
        user_a = new_test_user(self.env, "kam_att_user_a", groups=USER)
        duty_a = self.env["kam.duty"].create(
            {
                "name": "A's collections",
                "required": True,
                "function": "finance",
                "company_id": self.company.id,
                "default_user_id": user_a.id,
            }
        )
        shared_duty = self.env["kam.duty"].create({"name": "Shared duty", "required": True, "function": "sales"})
        account_b = (
            self.env["res.partner"]
            .with_company(self.company_b)
            .create({"name": "B Account", "is_company": True, "company_id": self.company_b.id})
        )
        account_a = self.env["res.partner"].create({"name": "A Account", "is_company": True})
        env_b = self.env(user=self.user_b, context=dict(self.env.context, allowed_company_ids=[self.company_b.id]))
        account_b.with_env(env_b).action_kam_mark_key_account()
        account_a.with_user(self.kam_user).action_kam_mark_key_account()
        self.assertIn(duty_a, account_a.kam_responsibility_ids.duty_id)
        self.assertIn(shared_duty, account_b.kam_responsibility_ids.duty_id)
        self.assertNotIn(duty_a, account_b.kam_responsibility_ids.duty_id, "company A's duty stays in company A")
        self.assertNotIn(user_a, account_b.kam_responsibility_ids.user_id)
        gaps = self.env["kam.responsibility.gap"].search([("partner_id", "in", (account_a | account_b).ids)])
        self.assertNotIn(duty_a, gaps.filtered(lambda gap: gap.partner_id == account_b).duty_id, "no gap either")
        self.assertIn(shared_duty, gaps.filtered(lambda gap: gap.partner_id == account_b).duty_id)

    def test_scheduled_reviews_belong_to_the_account_company(self):
        """The daily job (run as its user, in the main company) schedules
        the review of an account of company B in company B."""
        self.tier_b.review_interval_months = 3
        account_b = (
            self.env["res.partner"]
            .with_company(self.company_b)
            .with_context(kam_no_first_tier=True)
            .create(
                {
                    "name": "B Reviewed",
                    "is_company": True,
                    "company_id": self.company_b.id,
                    "kam_is_key_account": True,
                    "kam_manager_id": self.user_b.id,
                    "kam_tier_id": self.tier_b.id,
                    "kam_key_account_since": fields.Date.today() - relativedelta(months=4),
                }
            )
        )
        self.assertEqual(self.env.company, self.company)
        self.env["kam.review"]._cron_schedule_reviews()
        review = self.env["kam.review"].search([("partner_id", "=", account_b.id)])
        self.assertEqual(len(review), 1)
        self.assertEqual(review.company_id, self.company_b)
        self.assertEqual(review.line_ids.company_id, self.company_b)
        team_b = self.env(user=self.user_b, context=dict(self.env.context, allowed_company_ids=[self.company_b.id]))
        self.assertEqual(self.env["kam.review"].with_env(team_b).search([("partner_id", "=", account_b.id)]), review)


@tagged("post_install", "-at_install")
class TestNoNameOfUnreadablePartners(KamCommon):
    def test_refused_writes_name_no_partner_the_user_cannot_read(self):
        """A portal user or a key account user of another company writing
        key-account values on a partner they may not write (an id is all a
        script needs) gets Odoo's access error, not the key-account error
        that names the partner: the names of other companies' customers do
        not leak one id at a time."""
        company_b = self.env["res.company"].create({"name": "KAM Attack B", "currency_id": self.usd.id})
        user_b = new_test_user(
            self.env, "kam_att_user_b", groups=USER, company_id=company_b.id, company_ids=[company_b.id]
        )
        portal = new_test_user(self.env, "kam_att_portal", groups="base.group_portal")
        plain = self.env["res.partner"].create({"name": "Plain Secret Co", "is_company": True})
        self.assertEqual(self.account.company_id, self.company)
        for user in (portal, user_b):
            env = self.env(user=user, context=dict(self.env.context, allowed_company_ids=user.company_ids.ids))
            for partner, vals in (
                (self.account, {"kam_is_key_account": False}),
                (self.account, {"kam_manager_id": user.id}),
                (self.account, {"parent_id": False, "is_company": False}),
                (self.contact, {"parent_id": False}),
            ):
                with self.subTest(user=user.login, vals=vals), self.assertRaises(AccessError) as catcher:
                    partner.with_env(env).write(vals)
                self.assertNotIn(partner.name, str(catcher.exception))
                self.assertNotIn(self.account.name, str(catcher.exception))
            if user == portal:
                with self.subTest(user=user.login, vals="mark"), self.assertRaises(AccessError) as catcher:
                    plain.with_env(env).write({"kam_is_key_account": True})
                self.assertNotIn(plain.name, str(catcher.exception))
            with self.subTest(user=user.login, vals="unlink"), self.assertRaises(AccessError) as catcher:
                self.contact.with_env(env).unlink()
            self.assertNotIn(self.account.name, str(catcher.exception))

    def test_contacts_put_under_an_unreadable_account_name_it_not(self):
        """A user of another company giving a contact of their own (or a new
        one) the id of a key account of company A as parent, with key-contact
        details, gets Odoo's access error: not the key-account error naming
        that account."""
        company_b = self.env["res.company"].create({"name": "KAM Attack B", "currency_id": self.usd.id})
        env = self.env(context=dict(self.env.context, allowed_company_ids=[company_b.id]))
        for groups in (USER, "sales_team.group_sale_salesman"):
            user = new_test_user(
                self.env, f"kam_att_{groups[:5]}", groups=groups, company_id=company_b.id, company_ids=[company_b.id]
            )
            Partner = self.env["res.partner"].with_env(env(user=user))
            own = Partner.create({"name": "Own buyer"})
            role = self.env["res.partner"]._fields["kam_buying_role"].get_values(self.env)[0]
            calls = {
                "create": (Partner, "create", {"name": "Spy", "parent_id": self.account.id, "kam_buying_role": role}),
                "move": (own, "write", {"parent_id": self.account.id, "kam_buying_role": role}),
                "move values": (own, "write", {"parent_id": self.account.id, "kam_manager_id": user.id}),
            }
            for label, (records, method, vals) in calls.items():
                with self.subTest(user=user.login, call=label), self.assertRaises(AccessError) as catcher:
                    getattr(records, method)(vals)
                self.assertNotIn(self.account.name, str(catcher.exception))

    def test_bad_values_under_an_unreadable_parent_name_it_not(self):
        """A new contact under a partner of another company, with a
        key-account value out of range or not allowed: Odoo's access error,
        not the key-account message naming that partner."""
        company_b = self.env["res.company"].create({"name": "KAM Attack B", "currency_id": self.usd.id})
        user_b = new_test_user(
            self.env, "kam_att_user_b", groups=USER, company_id=company_b.id, company_ids=[company_b.id]
        )
        plain = self.env["res.partner"].create(
            {"name": "Plain Secret Co", "is_company": True, "company_id": self.company.id}
        )
        Partner = self.env["res.partner"].with_user(user_b).with_context(allowed_company_ids=[company_b.id])
        for parent in (plain, self.account):
            for vals in ({"kam_potential": 500}, {"kam_tier_locked": True}, {"kam_is_key_account": True}):
                with self.subTest(parent=parent.name, vals=vals), self.assertRaises(AccessError) as catcher:
                    Partner.create(dict(vals, name="Spy", parent_id=parent.id))
                self.assertNotIn(parent.name, str(catcher.exception))


@tagged("post_install", "-at_install")
class TestTierOfAnotherCompany(KamCommon):
    def test_account_takes_no_tier_of_another_company(self):
        """A key account manager of company B cannot give their account a
        tier of company A (which they cannot even read): it would apply
        company A's pricelist to a company B customer and name company A's
        tier in the chatter."""
        company_b = self.env["res.company"].create({"name": "KAM Attack B", "currency_id": self.usd.id})
        manager_b = new_test_user(
            self.env, "kam_att_manager_b", groups=MANAGER, company_id=company_b.id, company_ids=[company_b.id]
        )
        self.company.kam_apply_tier_pricelist = company_b.kam_apply_tier_pricelist = True
        secret_pricelist = self.env["product.pricelist"].create(
            {"name": "A secret pricelist", "company_id": self.company.id, "currency_id": self.usd.id}
        )
        tier_a = self.env["kam.tier"].create(
            {
                "name": "A Secret Platinum",
                "company_id": self.company.id,
                "sequence": 0,
                "min_revenue": 1e9,
                "min_order_count": 1000,
                "pricelist_id": secret_pricelist.id,
            }
        )
        account_b = (
            self.env["res.partner"]
            .with_company(company_b)
            .with_context(kam_no_first_tier=True)
            .create(
                {
                    "name": "B Account",
                    "is_company": True,
                    "company_id": company_b.id,
                    "kam_is_key_account": True,
                    "kam_manager_id": manager_b.id,
                }
            )
        )
        env_b = self.env(user=manager_b, context=dict(self.env.context, allowed_company_ids=[company_b.id]))
        self.assertFalse(self.env["kam.tier"].with_env(env_b).search([("id", "=", tier_a.id)]))
        for vals in ({"kam_tier_id": tier_a.id}, {"kam_tier_id": tier_a.id, "kam_tier_locked": True}):
            with self.subTest(vals=vals), self.assertRaises(ValidationError) as catcher:
                account_b.with_env(env_b).write(dict(vals, kam_tier_lock_reason="mine"))
            self.assertNotIn(tier_a.name, str(catcher.exception))
        self.assertFalse(account_b.kam_tier_id)
        self.assertNotEqual(account_b.with_company(company_b).property_product_pricelist, secret_pricelist)
        # a tier of its company or a shared one is fine
        tier_b = self.env["kam.tier"].create(
            {"name": "B Gold", "company_id": company_b.id, "sequence": 0, "min_revenue": 1e9, "min_order_count": 1000}
        )
        for tier in (tier_b, self.tier_c):
            account_b.with_env(env_b).write({"kam_tier_id": tier.id})
            self.assertEqual(account_b.kam_tier_id, tier)

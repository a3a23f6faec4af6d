# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import KamCommon


@tagged("post_install", "-at_install")
class TestAccess(KamCommon):
    def test_salesman_without_group_refused(self):
        account = self.account.with_user(self.salesman)
        with self.assertRaises(AccessError):
            account.write({"kam_manager_id": self.salesman.id})
        with self.assertRaises(AccessError):
            account.write({"kam_business_scope": "changed"})
        partner = self.env["res.partner"].create({"name": "Prospect", "is_company": True})
        with self.assertRaises(AccessError):
            partner.with_user(self.salesman).write({"kam_is_key_account": True})
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.salesman).create(
                {"name": "X", "is_company": True, "kam_is_key_account": True}
            )
        with self.assertRaises(AccessError):
            account.read(["kam_competitor_notes"])
        with self.assertRaises(AccessError):
            account.action_kam_recompute_tier()
        self.assertFalse(partner.kam_is_key_account)
        # the salesman still does the normal work on key-account customers
        account.write({"phone": "+86 21 5555 0000"})
        contact = (
            self.env["res.partner"].with_user(self.salesman).create({"name": "New buyer", "parent_id": self.account.id})
        )
        self.assertTrue(contact.kam_is_key_account, "contacts show their company's key-account values")
        self.assertEqual(contact.kam_manager_id, self.kam_user)
        self.assertEqual(self.tier_a.with_user(self.salesman).name, "Tier A")

    def test_key_account_user_limited_to_own_accounts(self):
        own = self.account.with_user(self.kam_user)
        own.write({"kam_business_scope": "Precision parts", "kam_potential": 70, "kam_competitor_notes": "Rival X"})
        self.assertEqual(self.account.kam_business_scope, "Precision parts")
        self.assertEqual(own.kam_competitor_notes, "Rival X")
        other = self.other_account.with_user(self.kam_user)
        with self.assertRaises(AccessError):
            other.write({"kam_business_scope": "not mine"})
        with self.assertRaises(AccessError):
            other.action_kam_recompute_tier()
        # team members edit too
        self.other_account.kam_team_user_ids = self.kam_user
        other.write({"kam_business_scope": "team member"})
        self.assertEqual(self.other_account.kam_business_scope, "team member")

    def test_key_account_user_cannot_set_or_lock_tiers(self):
        own = self.account.with_user(self.kam_user)
        with self.assertRaises(AccessError):
            own.write({"kam_tier_id": self.tier_a.id})
        with self.assertRaises(AccessError):
            own.write({"kam_tier_id": self.tier_a.id, "kam_tier_locked": True, "kam_tier_lock_reason": "why not"})
        self.assertFalse(self.account.kam_tier_id)
        self.assertFalse(self.account.kam_tier_history_ids)
        # the recompute button on an own account is allowed
        own.action_kam_recompute_tier()
        self.assertEqual(self.account.kam_tier_id, self.tier_c)
        # mass recompute is for managers
        both = (self.account | self.other_account).with_user(self.kam_user)
        self.other_account.kam_team_user_ids = self.kam_user
        with self.assertRaises(AccessError):
            both.action_kam_recompute_tier()
        both.with_user(self.kam_manager).action_kam_recompute_tier()
        self.assertEqual(self.other_account.kam_tier_id, self.tier_c)

    def test_key_account_user_marks_new_account(self):
        partner = self.env["res.partner"].create({"name": "Prospect", "is_company": True})
        partner.with_user(self.kam_user2).action_kam_mark_key_account()
        self.assertEqual(partner.kam_manager_id, self.kam_user2)
        with self.assertRaises(AccessError):
            partner.with_user(self.kam_user).write({"kam_potential": 10})

    def test_manager_edits_everything(self):
        for account in (self.account, self.other_account):
            account.with_user(self.kam_manager).write(
                {"kam_business_scope": "by manager", "kam_tier_id": self.tier_b.id, "kam_manager_id": self.kam_user2.id}
            )
            self.assertEqual(account.kam_tier_id, self.tier_b)
            self.assertEqual(account.kam_manager_id, self.kam_user2)

    def test_tier_history_visibility(self):
        (self.account | self.other_account).with_user(self.kam_manager).action_kam_recompute_tier()
        History = self.env["kam.tier.history"]
        own = History.with_user(self.kam_user).search([])
        self.assertEqual(own.partner_id, self.account)
        other = History.search([("partner_id", "=", self.other_account.id)])
        with self.assertRaises(AccessError):
            other.with_user(self.kam_user).read(["new_tier_id"])
        self.assertEqual(
            History.with_user(self.kam_manager).search_count(
                [("partner_id", "in", (self.account | self.other_account).ids)]
            ),
            2,
        )
        with self.assertRaises(AccessError):
            History.with_user(self.salesman).search([])
        with self.assertRaises(AccessError):
            other.with_user(self.kam_manager).write({"reason": "rewrite history"})
        with self.assertRaises(AccessError):
            other.with_user(self.kam_manager).unlink()

    def test_multi_company(self):
        company_b = self.env["res.company"].create({"name": "KAM Company B"})
        user_b_only = self.kam_manager.copy(
            {"login": "kam_manager_b", "company_id": company_b.id, "company_ids": [(6, 0, company_b.ids)]}
        )
        account_b = self._make_account("B-only account", manager=self.kam_manager, company_id=company_b.id)
        tier_b_company = self.env["kam.tier"].create(
            {
                "name": "B Platinum",
                "sequence": 0,
                "min_revenue": 90000,
                "min_order_count": 9,
                "company_id": company_b.id,
            }
        )
        self.account.company_id = self.company
        self.account.with_user(self.kam_manager).action_kam_recompute_tier()
        History = self.env["kam.tier.history"]
        self.assertTrue(History.with_user(self.kam_manager).search([("partner_id", "=", self.account.id)]))
        self.assertFalse(History.with_user(user_b_only).search([("partner_id", "=", self.account.id)]))
        self.assertNotIn(tier_b_company, self.env["kam.tier"].with_user(self.kam_manager).search([]))
        self.assertIn(tier_b_company, self.env["kam.tier"].with_user(user_b_only).search([]))
        # accounts of company B are tiered with company B's tiers
        account_b.sudo()._kam_recompute()
        self.assertEqual(account_b.kam_tier_id, self.tier_c)
        self.assertEqual(account_b.kam_currency_id, company_b.currency_id)

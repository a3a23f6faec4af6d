# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .common import KamCommon


@tagged("post_install", "-at_install")
class TestTierConfiguration(KamCommon):
    def test_default_tiers_exist(self):
        names = self.env["kam.tier"].with_context(active_test=False).search([]).mapped("name")
        for name in ("Strategic", "Key", "Growth"):
            self.assertIn(name, names)

    def test_negative_threshold_refused(self):
        Tier = self.env["kam.tier"].with_user(self.kam_manager)
        for field in ("min_revenue", "min_order_count", "min_potential", "contact_interval_days"):
            with self.assertRaisesMessage(ValidationError, "negative"):
                Tier.create({"name": f"Bad {field}", "sequence": 99, field: -1})
        self.env.invalidate_all()
        self.assertFalse(self.env["kam.tier"].search([("name", "like", "Bad ")]), "nothing saved")

    def test_potential_above_100_refused(self):
        with self.assertRaisesMessage(ValidationError, "0 to 100"):
            self.tier_a.with_user(self.kam_manager).min_potential = 101

    def test_higher_tier_with_lower_threshold_refused(self):
        with self.assertRaisesMessage(ValidationError, "Tier A.*ranks above.*Tier B"):
            self.tier_a.with_user(self.kam_manager).min_revenue = 500
        self.tier_a.invalidate_recordset()
        self.assertEqual(self.tier_a.min_revenue, 10000, "unchanged in the database")
        with self.assertRaisesMessage(ValidationError, "minimum orders"):
            self.tier_b.with_user(self.kam_manager).min_order_count = 5
        with self.assertRaises(ValidationError):
            # reordering so that C ranks first breaks the ranking too
            self.tier_c.with_user(self.kam_manager).sequence = 0
        # a consistent change is accepted
        self.tier_b.with_user(self.kam_manager).min_order_count = 3
        self.assertEqual(self.tier_b.min_order_count, 3)

    def test_company_specific_tiers_checked_with_shared_ones(self):
        other_company = self.env["res.company"].create({"name": "KAM Other Co"})
        with self.assertRaises(ValidationError):
            self.env["kam.tier"].create(
                {"name": "Co Top", "sequence": 0, "min_revenue": 5, "company_id": other_company.id}
            )
        tier = self.env["kam.tier"].create(
            {
                "name": "Co Top",
                "sequence": 0,
                "min_revenue": 50000,
                "min_order_count": 10,
                "company_id": other_company.id,
            }
        )
        self.assertTrue(tier)

    def test_only_managers_configure_tiers(self):
        with self.assertRaises(AccessError):
            self.env["kam.tier"].with_user(self.kam_user).create({"name": "User tier", "sequence": 50})
        with self.assertRaises(AccessError):
            self.tier_c.with_user(self.kam_user).write({"min_revenue": 0})
        # everyone reads tiers (shown on sale orders)
        self.assertEqual(self.tier_a.with_user(self.salesman).name, "Tier A")

    def test_settings(self):
        settings = Form(self.env["res.config.settings"].with_user(self.env.ref("base.user_admin")))
        settings.kam_trailing_months = 6
        settings.kam_apply_tier_pricelist = True
        settings.save().execute()
        self.assertEqual(self.company.kam_trailing_months, 6)
        self.assertTrue(self.company.kam_apply_tier_pricelist)
        # a 6-month window: an order of 8 months ago is in the previous window
        self._order(self.account, 700, days_ago=240)
        self._order(self.account, 300, days_ago=20)
        self.account.with_user(self.kam_user).action_kam_recompute_tier()
        self.assertEqual(self.account.kam_revenue_current, 300)
        self.assertEqual(self.account.kam_revenue_previous, 700)

    def test_settings_bad_window_refused(self):
        with self.assertRaisesMessage(ValidationError, "between 1 and 60"):
            self.company.kam_trailing_months = 0
        self.company.invalidate_recordset()
        self.assertEqual(self.company.kam_trailing_months, 12, "unchanged in the database")

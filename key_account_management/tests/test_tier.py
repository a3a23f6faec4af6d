# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, time

from dateutil.relativedelta import relativedelta

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import KamCommon


@tagged("post_install", "-at_install")
class TestTierAssignment(KamCommon):
    def _last_history(self, partner):
        return self.env["kam.tier.history"].search([("partner_id", "=", partner.id)], limit=1)

    def _recompute(self, *partners):
        for partner in partners:
            partner.with_user(self.kam_manager).action_kam_recompute_tier()

    def test_exactly_at_threshold(self):
        """Thresholds are inclusive: 10000 in 3 orders is tier A, a cent less is B."""
        for amount in (5000, 3000, 2000):
            self._order(self.account, amount)
        for amount in (5000, 3000, 1999.99):
            self._order(self.other_account, amount)
        self._recompute(self.account, self.other_account)
        self.assertEqual(self.account.kam_revenue_current, 10000)
        self.assertEqual(self.account.kam_order_count, 3)
        self.assertEqual(self.account.kam_tier_id, self.tier_a)
        self.assertEqual(self.other_account.kam_revenue_current, 9999.99)
        self.assertEqual(self.other_account.kam_tier_id, self.tier_b)

    def test_all_thresholds_must_be_met(self):
        """Revenue alone is not enough: the order count is also required."""
        self._order(self.account, 50000)
        self._order(self.account, 50000)
        self._recompute(self.account)
        self.assertEqual(self.account.kam_tier_id, self.tier_b, "2 orders < 3 required by tier A")

    def test_potential_threshold(self):
        self.tier_a.min_potential = 50
        self.tier_b.min_potential = 50
        for __ in range(2):
            self._order(self.account, 600)
        self.account.with_user(self.kam_user).kam_potential = 49
        self._recompute(self.account)
        self.assertEqual(self.account.kam_tier_id, self.tier_c)
        self.account.with_user(self.kam_user).kam_potential = 50
        self._recompute(self.account)
        self.assertEqual(self.account.kam_tier_id, self.tier_b)

    def test_none_met_gives_lowest_tier(self):
        self._recompute(self.account)
        self.assertEqual(self.account.kam_order_count, 0)
        self.assertEqual(self.account.kam_tier_id, self.tier_c, "no threshold met: the lowest tier")

    def test_multi_currency(self):
        """An order in another currency counts at its own rate (1 = 0.5 KMX)."""
        self._order(self.account, 1000, pricelist=self.pricelist_other)
        self._order(self.account, 500)
        self._recompute(self.account)
        self.assertAlmostEqual(self.account.kam_revenue_current, 2500.0)
        self.assertAlmostEqual(self.account.kam_avg_order_value, 1250.0)
        self.assertEqual(self.account.kam_tier_id, self.tier_b)

    def test_cancelled_and_draft_orders_excluded(self):
        self._order(self.account, 5000)
        cancelled = self._order(self.account, 7000)
        cancelled._action_cancel()
        self._order(self.account, 9000, confirm=False)
        self._recompute(self.account)
        self.assertEqual(self.account.kam_revenue_current, 5000)
        self.assertEqual(self.account.kam_order_count, 1)

    def test_contacts_rolled_up(self):
        """Orders placed by a contact (or a delivery address below it) count for the company."""
        address = self.env["res.partner"].create(
            {"name": "Acme Plant", "parent_id": self.contact.id, "type": "delivery"}
        )
        self._order(self.contact, 700)
        self._order(address, 300)
        self._recompute(self.account)
        self.assertEqual(self.account.kam_revenue_current, 1000)
        self.assertEqual(self.account.kam_order_count, 2)
        self.assertEqual(self.contact.kam_tier_id, self.account.kam_tier_id, "contacts share the company's tier")
        self.assertEqual(self.account.kam_tier_id, self.tier_b)

    def test_windows_trend_and_dates(self):
        today = self.today
        window_start = today - relativedelta(months=12) + relativedelta(days=1)
        first = self._order(self.account, 400, when=datetime.combine(window_start - relativedelta(months=3), time(8)))
        self._order(self.account, 600, when=datetime.combine(window_start - relativedelta(days=1), time(23, 59)))
        self._order(self.account, 1500, when=datetime.combine(window_start, time(0, 0)))
        last = self._order(self.account, 1000, days_ago=2)
        self._order(
            self.account, 99999, when=datetime.combine(window_start - relativedelta(months=12, days=1), time(8))
        )
        self._recompute(self.account)
        self.assertEqual(self.account.kam_revenue_current, 2500, "the first day of the window counts")
        self.assertEqual(self.account.kam_revenue_previous, 1000, "orders before the previous window do not count")
        self.assertEqual(self.account.kam_order_count, 2)
        self.assertEqual(self.account.kam_revenue_trend, 150.0)
        self.assertEqual(self.account.kam_last_order_date, last.date_order.date())
        self.assertLess(self.account.kam_first_order_date, first.date_order.date(), "first order over all time")

    def test_shrinking_trend(self):
        self._order(self.account, 1000, days_ago=400)
        self._order(self.account, 250, days_ago=5)
        self._recompute(self.account)
        self.assertEqual(self.account.kam_revenue_trend, -75.0)

    def test_history_written_with_figures(self):
        for amount in (5000, 3000, 2000):
            self._order(self.account, amount)
        self._recompute(self.account)
        history = self.account.kam_tier_history_ids
        self.assertEqual(len(history), 1)
        self.assertEqual(history.old_tier_id, self.env["kam.tier"])
        self.assertEqual(history.new_tier_id, self.tier_a)
        self.assertEqual(history.change_type, "auto")
        self.assertEqual(history.user_id, self.kam_manager)
        self.assertEqual(history.revenue_current, 10000)
        self.assertEqual(history.order_count, 3)
        # the chatter gets a tracking value of the tier field, without figures in its body
        message = self.account.message_ids[:1]
        self.assertEqual(message.tracking_value_ids.field_id.name, "kam_tier_id")
        self.assertEqual(message.tracking_value_ids.new_value_char, "Tier A")
        self.assertFalse(message.body)
        # nothing changes: no new history line
        self._recompute(self.account)
        self.assertEqual(len(self.account.kam_tier_history_ids), 1)

    def test_lock_respected(self):
        self._order(self.account, 20000)
        manager_account = self.account.with_user(self.kam_manager)
        manager_account.write(
            {"kam_tier_id": self.tier_a.id, "kam_tier_locked": True, "kam_tier_lock_reason": "Strategic partner"}
        )
        self._recompute(self.account)
        self.assertEqual(self.account.kam_tier_id, self.tier_a, "a locked tier is never changed by the recompute")
        self.assertEqual(self.account.kam_revenue_current, 20000, "figures are refreshed even when locked")
        lock = self.account.kam_tier_history_ids.filtered(lambda h: h.new_tier_id == self.tier_a)
        self.assertEqual(lock.change_type, "lock")
        self.assertEqual(lock.reason, "Strategic partner")
        self.assertEqual(lock.user_id, self.kam_manager)
        manager_account.kam_tier_locked = False
        self.assertEqual(self._last_history(self.account).change_type, "unlock")
        self._recompute(self.account)
        self.assertEqual(self.account.kam_tier_id, self.tier_c, "unlocked: one order is tier C")
        self.assertEqual(self._last_history(self.account).change_type, "auto")

    def test_lock_needs_reason_and_tier(self):
        with self.assertRaises(ValidationError):
            self.account.with_user(self.kam_manager).write({"kam_tier_id": self.tier_a.id, "kam_tier_locked": True})
        self.assertFalse(self.account.kam_tier_locked)
        self.assertFalse(self.account.kam_tier_id, "nothing half-saved")
        with self.assertRaises(ValidationError):
            self.account.with_user(self.kam_manager).write({"kam_tier_locked": True, "kam_tier_lock_reason": "x"})

    def test_lock_from_form(self):
        with Form(self.account.with_user(self.kam_manager)) as form:
            form.kam_tier_id = self.tier_b
            form.kam_tier_locked = True
            form.kam_tier_lock_reason = "Framework agreement"
        self.assertTrue(self.account.kam_tier_locked)
        self.assertEqual(self._last_history(self.account).change_type, "lock")

    def test_manual_change_logged(self):
        self.account.with_user(self.kam_manager).with_context(
            kam_tier_reason="Board decision"
        ).kam_tier_id = self.tier_a
        history = self.account.kam_tier_history_ids
        self.assertEqual(history.change_type, "manual")
        self.assertEqual(history.reason, "Board decision")

    def test_tier_pricelist_setting(self):
        pricelist = self.env["product.pricelist"].create({"name": "Tier A prices"})
        self.tier_a.pricelist_id = pricelist
        for amount in (5000, 3000, 2000):
            self._order(self.account, amount)
        self._recompute(self.account)
        self.assertNotEqual(self.account.property_product_pricelist, pricelist, "setting off: pricelist untouched")
        self.company.kam_apply_tier_pricelist = True
        self.account.with_user(self.kam_manager).kam_tier_id = self.tier_b
        self._recompute(self.account)
        self.assertEqual(self.account.kam_tier_id, self.tier_a)
        self.assertEqual(self.account.property_product_pricelist, pricelist)

    def test_sale_order_keeps_tier_at_confirmation(self):
        self.account.with_user(self.kam_manager).kam_tier_id = self.tier_b
        order = self._order(self.contact, 100)
        self.assertEqual(order.kam_tier_id, self.tier_b)
        self.assertEqual(order.kam_customer_tier_id, self.tier_b)
        self.assertEqual(order.kam_manager_id, self.kam_user)
        self.account.with_user(self.kam_manager).kam_tier_id = self.tier_a
        self.assertEqual(order.kam_tier_id, self.tier_b, "stored at confirmation")
        self.assertEqual(order.kam_customer_tier_id, self.tier_a, "the customer's tier today")
        report = self.env["sale.report"].search([("order_reference", "=", f"sale.order,{order.id}")])
        self.assertEqual(report.kam_tier_id, self.tier_b)
        draft = self._order(self.account, 100, confirm=False)
        self.assertFalse(draft.kam_tier_id)

    def test_mark_as_key_account(self):
        partner = self.env["res.partner"].create({"name": "New Customer", "is_company": True})
        # the customer of the key account user: they read its orders (else a key account manager marks it)
        (self._order(partner, 1500) | self._order(partner, 500)).user_id = self.kam_user
        partner.with_user(self.kam_user).action_kam_mark_key_account()
        self.assertTrue(partner.kam_is_key_account)
        self.assertEqual(partner.kam_manager_id, self.kam_user)
        self.assertEqual(partner.kam_key_account_since, self.today)
        self.assertEqual(partner.kam_tier_id, self.tier_b)
        self.assertEqual(partner.kam_revenue_current, 2000)

    def test_contact_cannot_be_key_account_alone(self):
        person = self.env["res.partner"].create(
            {
                "name": "Lonely contact",
                "parent_id": self.env["res.partner"].create({"name": "Plain Co", "is_company": True}).id,
            }
        )
        with self.assertRaises(ValidationError):
            person.kam_is_key_account = True

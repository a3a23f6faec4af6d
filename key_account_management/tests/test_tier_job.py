# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from odoo.tests import tagged

from .common import KamCommon


@tagged("post_install", "-at_install")
class TestTierJob(KamCommon):
    def test_cron_processes_in_batches_with_progress(self):
        accounts = self.account | self.other_account
        for index in range(3):
            account = self._make_account(f"Cron account {index}", manager=self.kam_user)
            self._order(account, 2000 * (index + 1))
            self._order(account, 100)
            accounts |= account
        not_key = self.env["res.partner"].create({"name": "Not key", "is_company": True})
        self._order(not_key, 50000)
        key_count = self.env["res.partner"].search_count(self.env["kam.job"]._key_account_domain())
        cron = self.env.ref("key_account_management.ir_cron_kam_recompute_tiers")
        progress = self.env["ir.cron.progress"].create({"cron_id": cron.id, "remaining": 0, "done": 0})
        batches = (
            self.env["res.partner"]
            .with_context(ir_cron_progress_id=progress.id)
            ._cron_kam_recompute_tiers(batch_size=2)
        )
        self.assertEqual(batches, -(-key_count // 2), "one batch per 2 accounts")
        self.assertEqual(progress.done, key_count)
        self.assertEqual(progress.remaining, 0)
        self.assertTrue(all(accounts.mapped("kam_tier_id")))
        self.assertEqual(self.env["res.partner"].search([("name", "=", "Cron account 2")]).kam_tier_id, self.tier_b)
        self.assertFalse(not_key.kam_tier_id, "only key accounts are tiered")
        self.assertEqual(not_key.kam_revenue_current, 0)

    def test_cron_action_runs(self):
        """The scheduled action itself, as the scheduler runs it."""
        self._order(self.account, 5000)
        self._order(self.account, 5000)
        self._order(self.account, 5000)
        cron = self.env.ref("key_account_management.ir_cron_kam_recompute_tiers")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "days"))
        cron.method_direct_trigger()
        self.assertEqual(self.account.kam_tier_id, self.tier_a)


@tagged("post_install", "-at_install")
class TestIncrementalTierJob(KamCommon):
    """The daily run recomputes only the accounts whose inputs changed since
    the last run, plus those whose windows moved over an order; everything on
    the first run, when tiers or settings change, weekly, and on request."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for __ in range(3):
            cls._order(cls.account, 5000)
            cls._order(cls.other_account, 5000)
        cls.env.flush_all()

    def _age_everything(self, days):
        """As if all data and the last (full) run were ``days`` old."""
        cr = self.env.cr
        for table in ("res_partner", "sale_order", "kam_interaction", "kam_tier", "res_company"):
            cr.execute(f"UPDATE {table} SET write_date = write_date - interval '{days + 1} days'")  # noqa: S608
        stamp = cr.now() - timedelta(days=days)
        self.env["kam.job"]._set_last_run("tiers", stamp, full=True)
        self.env.invalidate_all()

    def _tamper(self, account):
        """A figure the job would correct, changed behind its back: it shows
        whether the job looked at the account."""
        self.env.cr.execute("UPDATE res_partner SET kam_order_count = 99 WHERE id = %s", [account.id])
        self.env.invalidate_all()

    def test_daily_run_looks_at_changed_accounts_only(self):
        Partner = self.env["res.partner"]
        Partner._cron_kam_recompute_tiers()  # first run: every account
        self.assertEqual((self.account.kam_order_count, self.other_account.kam_order_count), (3, 3))
        self._age_everything(1)
        self._tamper(self.account)
        self._tamper(self.other_account)
        self._order(self.account, 5000)  # written now: after the last run
        Partner._cron_kam_recompute_tiers()
        self.assertEqual(self.account.kam_order_count, 4, "changed: recomputed")
        self.assertEqual(self.other_account.kam_order_count, 99, "unchanged: left alone")
        # a full run on request
        Partner._cron_kam_recompute_tiers(full=True)
        self.assertEqual(self.other_account.kam_order_count, 3)

    def test_orders_leaving_the_window_count_as_a_change(self):
        Partner = self.env["res.partner"]
        months = self.company.kam_trailing_months
        old = datetime.combine(self.today - relativedelta(months=months) - timedelta(days=1), time(12, 0))
        self._order(self.other_account, 700, when=old)
        Partner._cron_kam_recompute_tiers()
        self._age_everything(3)  # the last run was 3 days ago: the order was in the window then
        self._tamper(self.account)
        self._tamper(self.other_account)
        Partner._cron_kam_recompute_tiers()
        self.assertEqual(self.other_account.kam_order_count, 3, "its window moved over an order: recomputed")
        self.assertEqual(self.account.kam_order_count, 99)

    def test_full_run_when_tiers_change_or_weekly(self):
        Partner = self.env["res.partner"]
        Partner._cron_kam_recompute_tiers()
        self._age_everything(1)
        self._tamper(self.other_account)
        self.tier_a.min_revenue = 12000  # every account may change tier
        Partner._cron_kam_recompute_tiers()
        self.assertEqual(self.other_account.kam_order_count, 3)

        self._age_everything(8)  # the last full run is older than a week
        self._tamper(self.other_account)
        Partner._cron_kam_recompute_tiers()
        self.assertEqual(self.other_account.kam_order_count, 3)

    def test_orders_exactly_at_a_window_boundary(self):
        """The windows the daily run looks at are the exact windows of the
        last run's day and of today: an order dated at the first instant of
        yesterday's trailing (or previous) window left it today and is
        caught; an order a day inside the window is not a change."""
        Partner = self.env["res.partner"]
        Engine = self.env["kam.tier.engine"]
        months = self.company.kam_trailing_months
        previous_start, current_start, __ = self.env["kam.account.figures"]._window(months, self.today - timedelta(1))
        third = self._make_account("Third account", manager=self.kam_user)
        self._order(self.account, 700, when=current_start)  # left the trailing window today
        self._order(self.other_account, 700, when=previous_start)  # left the previous window today
        self._order(third, 700, when=current_start + timedelta(days=1))  # still in the trailing window
        Partner._cron_kam_recompute_tiers()
        self.assertEqual(third.kam_order_count, 1)
        self._age_everything(1)
        last_run = self.env["kam.job"]._last_run("tiers")
        self.assertEqual(last_run.date(), self.today - timedelta(1))
        changed = set(Engine._changed_since(last_run))
        self.assertIn(self.account.id, changed)
        self.assertIn(self.other_account.id, changed)
        self.assertNotIn(third.id, changed, "nothing of it moved over a window boundary")
        for account in (self.account, self.other_account, third):
            self._tamper(account)
        result = Partner._cron_kam_recompute_tiers()
        self.assertEqual(self.account.kam_order_count, 3, "its order left the trailing window: recomputed")
        self.assertEqual(self.other_account.kam_order_count, 3, "its order left the previous window: recomputed")
        self.assertEqual(third.kam_order_count, 99, "unchanged: left alone")
        key_accounts = set(Partner.search(self.env["kam.job"]._key_account_domain()).ids)
        self.assertEqual(result.done, len(changed & key_accounts), "the changed key accounts, nothing more")
        self.assertLess(result.done, len(key_accounts), "the daily run does not recompute every account")

    def test_daily_run_recomputes_only_what_changed(self):
        """The accounts a daily run processes (its result) are those with a
        change; an order written the same day is found, nothing else of
        this test's accounts (their orders are far from any boundary)."""
        Partner = self.env["res.partner"]
        Partner._cron_kam_recompute_tiers()
        self._age_everything(1)
        key_accounts = set(Partner.search(self.env["kam.job"]._key_account_domain()).ids)
        last_run = self.env["kam.job"]._last_run("tiers")
        changed_before = set(self.env["kam.tier.engine"]._changed_since(last_run)) & key_accounts
        self.assertNotIn(self.account.id, changed_before)
        self.assertNotIn(self.other_account.id, changed_before)
        self._order(self.account, 5000)
        result = Partner._cron_kam_recompute_tiers()
        self.assertEqual(result.done, len(changed_before) + 1, "the changed account and nothing more")
        self.assertLess(result.done, len(key_accounts))
        self.assertEqual(self.account.kam_order_count, 4)

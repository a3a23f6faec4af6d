# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""One account cannot break the others: the scheduled jobs skip (and
report) an account whose data they cannot process, and the dashboard shows
every block it can. The bad values are written in SQL, as older data from
before the constraints (the constraints refuse them now)."""

import json
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from .common import KamCommon

JOB_LOGGER = "odoo.addons.key_account_management.models.kam_job"
DASHBOARD_LOGGER = "odoo.addons.key_account_management.models.kam_dashboard"


@tagged("post_install", "-at_install")
class TestBadDataIsolation(KamCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["kam.tier"].search([]).write({"contact_interval_days": 30, "review_interval_months": 6})
        cls.bad = cls._make_account("Broken Account", manager=cls.kam_user, kam_tier_id=cls.tier_c.id)
        cls.good = cls.account | cls.other_account
        cls.good.write({"kam_tier_id": cls.tier_c.id})
        long_ago = fields.Date.context_today(cls.env["res.partner"]) - timedelta(days=800)
        (cls.good | cls.bad).write({"kam_key_account_since": long_ago})

    def _sql(self, query, *params):
        self.env.flush_all()
        self.env.cr.execute(query, params)
        self.env.invalidate_all()

    # ------------------------------------------------------------------
    # the shared helper
    # ------------------------------------------------------------------
    def test_run_in_batches_isolates_a_failing_account(self):
        """A batch that fails is retried account by account: the bad
        account is skipped, logged as a WARNING with its id and reason, and
        reported; the others of its batch and of the other batches are
        processed (and what the failing run wrote for the bad one is rolled
        back)."""
        partners = self.good | self.bad
        ids = sorted(partners.ids)

        def process(batch):
            batch.write({"ref": "processed"})
            if self.bad in batch:
                # a database error, as bad data gives (not logged: the test log stays clean)
                self.env.cr.execute("SELECT 1 / 0", log_exceptions=False)

        with self.assertLogs(JOB_LOGGER, "WARNING") as logs:
            result = self.env["kam.job"]._run_in_batches(ids, process, batch_size=2)
        self.assertEqual(result, 2, "still the number of batches")
        self.assertEqual(list(result.skipped), [self.bad.id])
        self.assertIn("DivisionByZero", result.skipped[self.bad.id])
        self.assertEqual(result.done, len(ids) - 1)
        self.assertTrue(any(f"account {self.bad.id} skipped" in line for line in logs.output), logs.output)
        self.assertFalse([line for line in logs.output if line.startswith("ERROR")])
        for partner in self.good:
            self.assertEqual(partner.ref, "processed", partner.name)
        self.assertFalse(self.bad.ref, "the failed run of the bad account is rolled back")

    def test_failing_batch_split_in_halves(self):
        """A failing batch is split in halves down to the bad accounts: the
        runs grow with the logarithm of the batch size, not with it; every
        good account is processed once for good, every bad one skipped."""
        partners = self.env["res.partner"].create([{"name": f"Bisect {i}", "is_company": True} for i in range(64)])
        bad = partners[5] | partners[40]
        runs = []

        def process(batch):
            runs.append(len(batch))
            batch.write({"ref": "processed"})
            if batch & bad:
                self.env.cr.execute("SELECT 1 / 0", log_exceptions=False)

        with self.assertLogs(JOB_LOGGER, "WARNING"):
            result = self.env["kam.job"]._run_in_batches(partners.ids, process, batch_size=64)
        self.assertEqual(set(result.skipped), set(bad.ids))
        self.assertEqual(result.done, 62)
        self.assertEqual(set((partners - bad).mapped("ref")), {"processed"})
        self.assertEqual(set(bad.mapped("ref")), {False}, "rolled back")
        self.assertLess(len(runs), 30, f"{len(runs)} runs for 64 accounts with 2 bad ones (one by one: 65)")

    # ------------------------------------------------------------------
    # the jobs
    # ------------------------------------------------------------------
    def test_cadence_job_skips_huge_interval(self):
        self._sql(
            "UPDATE res_partner SET kam_contact_interval_days = 2147483647 WHERE id = %s",
            self.bad.id,
        )
        Partner = self.env["res.partner"]
        # the account itself still reads (no overflow in the computed fields)
        self.assertFalse(self.bad.kam_contact_overdue)
        self.assertEqual(Partner.search_count([("kam_contact_overdue", "=", True), ("id", "=", self.bad.id)]), 0)
        with self.assertLogs(JOB_LOGGER, "WARNING") as logs:
            result = Partner._cron_kam_contact_cadence(batch_size=1)
        self.assertIn(self.bad.id, result.skipped)
        self.assertIn("out of bounds", result.skipped[self.bad.id])
        self.assertTrue(any(str(self.bad.id) in line for line in logs.output))
        Activity = self.env["mail.activity"]
        for account in self.good:
            self.assertTrue(
                Activity.search_count([("res_model", "=", "res.partner"), ("res_id", "=", account.id)]),
                f"{account.name}: never contacted, gets its follow-up",
            )
        self.assertFalse(Activity.search_count([("res_model", "=", "res.partner"), ("res_id", "=", self.bad.id)]))

    def test_review_job_skips_bad_accounts(self):
        """A tier review interval of 1,000,000 months and a key account
        since year 9999 are each skipped; the other accounts get their
        review."""
        tier_bad = self.env["kam.tier"].create({"name": "Broken Tier", "sequence": 99})
        other_bad = self._make_account("Since 9999", manager=self.kam_user, kam_tier_id=self.tier_c.id)
        self.bad.kam_tier_id = tier_bad
        self._sql("UPDATE kam_tier SET review_interval_months = 1000000 WHERE id = %s", tier_bad.id)
        self._sql("UPDATE res_partner SET kam_key_account_since = '9999-12-31' WHERE id = %s", other_bad.id)
        Review = self.env["kam.review"]
        with self.assertLogs(JOB_LOGGER, "WARNING"):
            result = Review._cron_schedule_reviews(batch_size=10)
        self.assertEqual(set(result.skipped), {self.bad.id, other_bad.id})
        for account in self.good:
            self.assertEqual(Review.search_count([("partner_id", "=", account.id)]), 1, account.name)
        self.assertFalse(Review.search_count([("partner_id", "in", (self.bad | other_bad).ids)]))

    def test_all_jobs_run_with_broken_account(self):
        """Every batched job of the addon runs to its end with an account
        full of out-of-range values."""
        self._sql(
            """UPDATE res_partner SET kam_contact_interval_days = 2147483647,
                      kam_key_account_since = '9999-12-31', kam_contract_date = '0001-01-01',
                      kam_potential = 2147483647
                WHERE id = %s""",
            self.bad.id,
        )
        # and a care date of a day its month does not have
        care_date = self.env["kam.care.date"].create({"name": "Broken day", "month": "2", "day": 1})
        self._sql("UPDATE kam_care_date SET day = 31 WHERE id = %s", care_date.id)
        Partner = self.env["res.partner"]
        for job in (
            Partner._cron_kam_recompute_tiers,
            Partner._cron_kam_health,
            Partner._cron_kam_contact_cadence,
            Partner._cron_kam_customer_care,
            self.env["kam.review"]._cron_schedule_reviews,
            self.env["kam.sale.trend"]._cron_kam_refresh_trend,
            self.env["kam.reorder.engine"]._cron_kam_reorder_radar,
            self.env["kam.coverage.engine"]._cron_kam_relationship_coverage,
            self.env["kam.profit.engine"]._cron_kam_profitability,
        ):
            with self.subTest(job=job.__name__):
                result = job()
                self.assertTrue(set(result.skipped) <= {self.bad.id}, result)

    # ------------------------------------------------------------------
    # the dashboard
    # ------------------------------------------------------------------
    def _broken_plan(self):
        plan = self.env["kam.plan"].create(
            {
                "partner_id": self.bad.id,
                "name": "Broken plan",
                "objective_ids": [(0, 0, {"name": "Grow", "target": 100.0})],
            }
        )
        plan.action_activate()
        self._sql("UPDATE kam_plan SET date_end = '9999-12-31' WHERE id = %s", plan.id)
        self._sql("UPDATE kam_plan_objective SET target = 'NaN' WHERE plan_id = %s", plan.id)
        return plan

    def test_dashboard_with_broken_account(self):
        """An active plan ending 9999-12-31, an objective target of NaN and
        a contact interval of 2147483647 on one account: the dashboard
        still works, for its manager, another user and a manager, with
        finite numbers only (NaN is not JSON)."""
        self._broken_plan()
        self._sql("UPDATE res_partner SET kam_contact_interval_days = 2147483647 WHERE id = %s", self.bad.id)
        for user in (self.kam_user, self.kam_user2, self.kam_manager):
            with self.subTest(user=user.login):
                data = self.env["kam.dashboard"].with_user(user).get_dashboard_data()
                self.assertEqual(data["errors"], {})
                json.dumps(data, allow_nan=False)
        data = self.env["kam.dashboard"].with_user(self.kam_user).get_dashboard_data()
        self.assertEqual(data["plans"]["plan_count"], 1)
        self.assertEqual(data["plans"]["attainment"], 0.0)

    def test_dashboard_degrades_per_block(self):
        """A block that fails (here: the database refuses its query) shows
        an error message; the other blocks still show."""
        Dashboard = type(self.env["kam.dashboard"])
        original = Dashboard._dashboard_risks

        def failing_risks(dashboard):
            # the database refuses the query: the transaction is aborted
            # until the block's savepoint is rolled back
            dashboard.env.cr.execute("SELECT 'x'::date", log_exceptions=False)
            return original(dashboard)

        self._broken_plan()
        with patch.object(Dashboard, "_dashboard_risks", failing_risks), self.assertLogs(DASHBOARD_LOGGER, "WARNING"):
            data = self.env["kam.dashboard"].with_user(self.kam_user).get_dashboard_data()
        self.assertEqual(list(data["errors"]), ["risks"])
        self.assertIn("cannot be shown", data["errors"]["risks"])
        self.assertEqual(data["risks"]["signals"], [])
        # the other blocks, before and after the failing one, still show
        self.assertEqual(data["account_count"], 2)
        self.assertEqual(data["follow_ups"]["contact_overdue"]["count"], 2)
        self.assertEqual(data["plans"]["plan_count"], 1)
        json.dumps(data, allow_nan=False)

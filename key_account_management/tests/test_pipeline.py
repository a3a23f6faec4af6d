# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The daily pipeline: one scheduled action runs the stages in order, and no
stage (nor the pipeline) runs twice at the same time on a database."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import KamCommon


@tagged("post_install", "-at_install")
class TestPipeline(KamCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for __ in range(3):
            cls._order(cls.account, 5000)
        cls.account.sudo().kam_last_interaction_date = fields.Datetime.now() - timedelta(days=400)
        cls.tier_a.contact_interval_days = 30

    def test_one_scheduled_action_runs_the_stages_in_order(self):
        Cron = self.env["ir.cron"].with_context(active_test=False)
        pipeline = self.env.ref("key_account_management.ir_cron_kam_daily_pipeline")
        self.assertTrue(pipeline.active)
        self.assertEqual((pipeline.interval_number, pipeline.interval_type), (1, "days"))
        jobs = Cron.search([("ir_actions_server_id.code", "like", "model._cron_kam")]) | Cron.search(
            [("ir_actions_server_id.code", "like", "model._cron_schedule_reviews")]
        )
        self.assertEqual(len(jobs), len(self.env["kam.pipeline"].STAGES), "one scheduled action per stage")
        self.assertFalse(jobs.filtered("active"), "the stages run in the pipeline, not at hours of their own")

        results = self.env["kam.pipeline"]._cron_daily()
        self.assertEqual(list(results), [name for name, __, __ in self.env["kam.pipeline"].STAGES])
        for name, result in results.items():
            with self.subTest(stage=name):
                self.assertFalse(result.running_elsewhere)
                self.assertFalse(result.skipped)
        # each stage read what the one before wrote: tier from the figures, health from both,
        # the trend rows carry the tier, the follow-up went to the manager
        self.assertEqual(self.account.kam_revenue_current, 15000)
        self.assertEqual(self.account.kam_tier_id, self.tier_a)
        self.assertTrue(self.account.kam_health_date)
        trend = self.env["kam.sale.trend"].search([("partner_id", "=", self.account.id)])
        self.assertTrue(trend)
        self.assertEqual(set(trend.mapped("tier_id")), {self.tier_a})
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.account.id), ("kam_reason", "=", "cadence")]
        )
        self.assertEqual(activities.user_id, self.kam_user)
        # the scheduled action, as the scheduler runs it
        pipeline.method_direct_trigger()

    def test_stages_on_their_own(self):
        results = self.env["kam.pipeline"]._cron_daily(stages={"figures_and_tiers"})
        self.assertEqual(list(results), ["figures_and_tiers"])
        self.assertEqual(self.account.kam_tier_id, self.tier_a)
        self.assertFalse(self.account.kam_health_date)
        with self.assertRaises(ValueError):
            self.env["kam.pipeline"]._cron_daily(stages={"figures", "tiers"})
        # the stage's own scheduled action (inactive) still runs it by hand
        self.env.ref("key_account_management.ir_cron_kam_health").method_direct_trigger()
        self.assertTrue(self.account.kam_health_date)

    def test_never_run_twice_at_the_same_time(self):
        """Another cron worker or Odoo server running the pipeline, or the same
        job, holds its lock (a connection of its own): this run does nothing."""
        Job = self.env["kam.job"]
        with Job._exclusive_run("kam.pipeline") as acquired:
            self.assertTrue(acquired)
            self.assertEqual(self.env["kam.pipeline"]._cron_daily(), {})
            self.assertFalse(self.account.kam_tier_id)
            with Job._exclusive_run("kam.pipeline") as again:
                self.assertFalse(again, "taken by the other session")

        seen = []

        def process(batch):
            seen.extend(batch.ids)

        with Job._exclusive_run(Job._job_name(process)):
            result = Job._run_in_batches(self.account.ids, process)
        self.assertTrue(result.running_elsewhere)
        self.assertEqual((result, seen), (0, []))
        # released: the next run processes the accounts
        result = Job._run_in_batches(self.account.ids, process)
        self.assertEqual((result.done, seen), (1, self.account.ids))
        self.assertEqual(
            self.env["kam.pipeline"]._cron_daily(stages={"figures_and_tiers"}).keys(), {"figures_and_tiers"}
        )

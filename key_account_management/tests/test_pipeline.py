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


@tagged("post_install", "-at_install")
@tagged("post_install", "-at_install")
class TestLastRuns(KamCommon):
    def test_last_runs_kept_without_clearing_the_caches(self):
        """A stage records its last run (and last full run) without clearing
        the registry's caches, which every following stage would fill
        again; the incremental run reads what was recorded."""
        Job = self.env["kam.job"]
        self.assertIsNone(Job._last_run("test_job"), "never run: full")
        self.env["res.partner"]._kam_private_fields()  # an ormcached value
        before = self.registry.cache_invalidated.copy()
        started = fields.Datetime.now().replace(microsecond=0) - timedelta(hours=2)
        Job._set_last_run("test_job", started, full=True)
        self.assertEqual(self.registry.cache_invalidated, before, "no cache cleared")
        self.assertEqual(Job._last_run("test_job"), started)
        later = started + timedelta(hours=1)
        Job._set_last_run("test_job", later)
        self.assertEqual(Job._last_run("test_job"), later)
        self.assertEqual(Job._last_run("test_job", full_every_days=7), later, "full run of today")
        # the same system parameters as before (set_param, the concurrency test, the bench)
        params = self.env["ir.config_parameter"].sudo()
        self.assertEqual(
            params.search([("key", "=", "key_account_management.last_run.test_job")]).value,
            fields.Datetime.to_string(later),
        )
        params.set_param("key_account_management.last_full_run.test_job", "2000-01-01 00:00:00")
        self.assertIsNone(Job._last_run("test_job", full_every_days=7), "the last full run is too old")
        self.assertEqual(Job._last_run("test_job"), later)


class TestFirstTier(KamCommon):
    """Marking accounts key (the button, a write, an import) gives them their
    figures and first tier at once, in one bulk run for all of them."""

    def _customers(self, count, amount=5000):
        Partner = self.env["res.partner"]
        customers = Partner.create([{"name": f"Customer {i}", "is_company": True} for i in range(count)])
        for customer in customers:
            for __ in range(3):
                self._order(customer, amount)
        return customers

    def test_no_core_tracked_field_depends_on_key_account_fields(self):
        """A write of key-account fields only prepares the tracking of those
        fields (res.partner._track_prepare): it may, as long as no other
        tracked field of the partner changes with them."""
        Partner = self.env["res.partner"]
        todo = [fname for fname in Partner._track_get_fields() if not fname.startswith("kam_")]
        self.assertIn("contact_address_inline", todo, "mail tracks the computed address")
        seen = set()
        while todo:
            fname = todo.pop()
            if fname in seen:
                continue
            seen.add(fname)
            for path in self.registry.field_depends[Partner._fields[fname]]:
                names = path.split(".")
                self.assertFalse([name for name in names if name.startswith("kam_")], f"{fname} depends on {path}")
                if names[0] in Partner._fields:
                    todo.append(names[0])

    def _tracked(self, partner):
        messages = self.env["mail.message"].search([("model", "=", "res.partner"), ("res_id", "=", partner.id)])
        return messages.sudo().tracking_value_ids.field_id.mapped("name")

    def test_marking_tracks_what_changed(self):
        """Marking accounts key tracks the key-account fields written (and a
        write with other fields still tracks those)."""
        customers = self._customers(2)
        contact = self.env["res.partner"].create({"name": "Their buyer", "parent_id": customers[0].id})
        # changes in the transaction that created a record are not tracked (mail.thread.create)
        self.env.flush_all()
        self.env.cr.precommit.run()
        customers.with_user(self.kam_manager).write({"kam_is_key_account": True, "kam_manager_id": self.kam_user.id})
        self.env.flush_all()
        self.env.cr.precommit.run()
        for customer in customers:
            tracked = self._tracked(customer)
            self.assertIn("kam_is_key_account", tracked)
            self.assertIn("kam_manager_id", tracked)
        self.assertTrue(contact.kam_is_key_account, "synced to the contact")
        customers[0].with_user(self.kam_manager).write({"name": "Renamed Key Co", "kam_potential": 40})
        self.env.flush_all()
        self.env.cr.precommit.run()
        tracked = self._tracked(customers[0])
        self.assertIn("name", tracked, "a core field written with ours is still tracked")
        self.assertIn("kam_potential", tracked)

    def test_write_button_and_import_give_the_first_tier(self):
        by_write = self._customers(2)
        by_write.with_user(self.kam_manager).write({"kam_is_key_account": True, "kam_manager_id": self.kam_user.id})
        self.assertEqual(by_write.mapped("kam_tier_id"), self.tier_a)
        self.assertEqual(set(by_write.mapped("kam_revenue_current")), {15000})
        history = self.env["kam.tier.history"].search([("partner_id", "in", by_write.ids)])
        self.assertEqual(len(history), 2)

        by_button = self._customers(2, amount=500)
        # their salesperson marks them (a key account user marks customers whose orders they read)
        self.env["sale.order"].search([("partner_id", "in", by_button.ids)]).user_id = self.kam_user
        by_button.with_user(self.kam_user).action_kam_mark_key_account()
        self.assertEqual(by_button.mapped("kam_tier_id"), self.tier_b)
        self.assertEqual(by_button.kam_manager_id, self.kam_user)

        # an import that marks existing customers (with their orders), and one that creates an account
        by_import = self._customers(1, amount=500)
        Partner = self.env["res.partner"].with_user(self.kam_manager)
        result = Partner.load([".id", "kam_is_key_account"], [[str(by_import.id), "1"]])
        self.assertFalse(result["messages"])
        self.assertEqual(by_import.kam_tier_id, self.tier_b)
        self.assertEqual(by_import.kam_revenue_current, 1500)
        result = Partner.load(["name", "is_company", "kam_is_key_account"], [["Imported Co", "1", "1"]])
        self.assertFalse(result["messages"])
        imported = self.env["res.partner"].browse(result["ids"])
        self.assertTrue(imported.kam_is_key_account)
        reference = self._make_account("Reference without orders")
        self.assertFalse(reference.kam_tier_id)
        reference._kam_recompute()
        self.assertEqual(imported.kam_tier_id, reference.kam_tier_id, "the tier the job gives without orders")
        self.assertEqual(imported.kam_currency_id, self.company.currency_id)
        # an imported tier is kept
        given = self.env["res.partner"].create(
            {"name": "Given tier", "is_company": True, "kam_is_key_account": True, "kam_tier_id": self.tier_c.id}
        )
        self.assertEqual(given.kam_tier_id, self.tier_c)

    def test_in_bulk(self):
        """The number of queries does not grow with the number of accounts."""
        few, many = self._customers(2), self._customers(8)
        self.env.flush_all()
        self.env.invalidate_all()
        counts = []
        for customers in (few, many):
            before = self.cr.sql_log_count
            customers.with_user(self.kam_manager).write({"kam_is_key_account": True})
            self.env.flush_all()
            counts.append(self.cr.sql_log_count - before)
        self.assertEqual(set(many.mapped("kam_tier_id")), {self.tier_a})
        self.assertLessEqual(counts[1], counts[0] + 10, counts)

    def test_first_tier_history_chatter_and_duties_in_bulk(self):
        """Marking 50 accounts key at once writes their first tier, history,
        chatter note and proposed duties with as many queries as for 10."""
        Partner = self.env["res.partner"]
        required = self.env["kam.duty"].search([("required", "=", True)])
        self.assertTrue(required)
        warm_up, few, many = (
            Partner.create([{"name": f"Customer {size}-{i}", "is_company": True} for i in range(size)])
            for size in (2, 10, 50)
        )
        self.env.flush_all()
        counts = []
        for customers in (warm_up, few, many):
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            customers.with_user(self.kam_manager).write({"kam_is_key_account": True})
            self.env.flush_all()
            counts.append(self.cr.sql_log_count - before)
        self.assertEqual(counts[2], counts[1], f"queries for 10 and 50 accounts: {counts[1:]}")
        tier = many[:1].kam_tier_id
        self.assertTrue(tier)
        self.assertEqual(many.mapped("kam_tier_id"), tier)
        history = self.env["kam.tier.history"].search([("partner_id", "in", many.ids)])
        self.assertEqual(sorted(history.partner_id.ids), sorted(many.ids), "one history line each")
        self.assertEqual(set(history.mapped("change_type")), {"auto"})
        self.assertEqual(history.user_id, self.kam_manager)
        messages = self.env["mail.message"].search([("model", "=", "res.partner"), ("res_id", "in", many.ids)])
        notes = messages.filtered(lambda m: m.tracking_value_ids.field_id.name == "kam_tier_id")
        self.assertEqual(sorted(notes.mapped("res_id")), sorted(many.ids), "one chatter note each")
        self.assertEqual(set(notes.tracking_value_ids.mapped("new_value_char")), {tier.display_name})
        self.assertEqual(notes.subtype_id, self.env.ref("mail.mt_note"))
        self.assertEqual(notes.author_id, self.kam_manager.partner_id)
        self.assertFalse(any(notes.mapped("body")), "no figures in the notes' body")
        duties = required | tier.duty_ids
        for account in many:
            with self.subTest(account=account.name):
                responsibilities = account.kam_responsibility_ids
                self.assertEqual(sorted(responsibilities.duty_id.ids), sorted(duties.ids), "each duty proposed once")
                self.assertEqual(set(responsibilities.mapped("raci")), {"responsible"})
        self.assertEqual(many[:1].kam_responsibility_ids[:1].kam_manager_id, many[:1].kam_manager_id)
        self.assertEqual(many[:1].kam_responsibility_ids[:1].workload, tier.workload_weight or 1.0)

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
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

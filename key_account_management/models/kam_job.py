# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging

from odoo import api, models
from odoo.modules import module as odoo_module

_logger = logging.getLogger(__name__)


class KamJob(models.AbstractModel):
    """Batched jobs over key accounts.

    Re-tiering (and later cadence, care reminders, reviews, risk signals,
    snapshots) all run "for every key account, in batches, with progress,
    safe to rerun". Each job only says what to do for one batch; this helper
    splits the work, reports progress to the running scheduled action and
    commits between batches.
    """

    _name = "kam.job"
    _description = "Key account batched job helper"

    DEFAULT_BATCH_SIZE = 2000

    @api.model
    def _key_account_domain(self):
        """Commercial entities flagged as key accounts (their contacts carry
        the flag too, through the commercial fields)."""
        return [("kam_is_key_account", "=", True), "|", ("is_company", "=", True), ("parent_id", "=", False)]

    @api.model
    def _run_in_batches(self, ids, process_batch, batch_size=None, commit=None):
        """Run ``process_batch(records)`` over ``ids`` split in batches.

        :param ids: list of ``res.partner`` ids to process (in this order)
        :param process_batch: callable taking a ``res.partner`` recordset
        :param batch_size: records per batch
        :param commit: commit after each batch; defaults to "only when run
            by the scheduler, outside tests", so that the work of finished
            batches survives a crash or a timeout of the scheduled action.
        :return: number of batches run
        """
        batch_size = batch_size or self.DEFAULT_BATCH_SIZE
        if commit is None:
            # Commit only when run by the scheduler (it puts the progress
            # record in the context), never inside a test (its transaction is
            # rolled back) nor during a module install or a button click
            # (their transaction must stay whole).
            commit = (
                bool(self.env.context.get("ir_cron_progress_id"))
                and not odoo_module.current_test
                and not self.env.registry.in_test_mode()
            )
        cron = self.env["ir.cron"]
        total = len(ids)
        done = 0
        batches = 0
        partners = self.env["res.partner"]
        for start in range(0, total, batch_size):
            batch = partners.browse(ids[start : start + batch_size])
            process_batch(batch)
            batches += 1
            done += len(batch)
            cron._notify_progress(done=done, remaining=total - done)
            if commit:
                # Safe: each batch is complete in itself (figures, tier and
                # history of its partners are written together), and a rerun
                # recomputes from live data, so a crash after this point only
                # loses the work of the batches not committed yet.
                self.env.cr.commit()
            # keep memory flat on large runs
            self.env.invalidate_all()
        _logger.info(
            "kam job %s: %s records in %s batches", getattr(process_batch, "__name__", process_batch), total, batches
        )
        return batches

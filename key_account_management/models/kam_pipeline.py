# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
import time

from odoo import api, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)


class KamPipeline(models.AbstractModel):
    """The daily key-account pipeline: one scheduled action runs the stages
    in this order, each reading what the ones before wrote (the order is
    code, not cron hours):

    0. ``contact_traffic``: e-mails, done calls and meetings, calendar
       events with the accounts' contacts logged as interactions, so that
       the figures, cadence and health of the same day see them
       (kam.traffic.engine ``_run_in_pipeline``);
    1. ``figures_and_tiers``: sale and interaction figures of every key
       account, then its tier (kam.tier.engine ``_run``);
    1b. ``profitability``: the profit after cost to serve of each account
       and its discount creep (kam.profit.engine ``_run``); the tiers of
       the next day and the health of the same day read it;
    2. ``purchase_trend``: the monthly purchase trend rows, which carry the
       account's tier (kam.sale.trend ``_cron_kam_refresh_trend``);
    2b. ``white_space``: the product categories that comparable accounts
       (same tier or industry) buy and an account does not, weekly or when
       the settings changed (kam.white.space.engine ``_cron_kam_white_space``);
    2c. ``reorder_radar``: the rhythm of the products each account buys
       regularly, their expected and late orders, warnings for the late
       ones (kam.reorder.engine ``_run``);
    2d. ``relationship_coverage``: who at each account is in touch with whom
       at our company and how recently, from the done interactions; the
       single-threaded accounts, key people not reached, silent contacts
       (kam.coverage.engine ``_run``), read by the health stage;
    3. ``health_and_risk``: risk signals, health score and risk level, from
       the figures, only for the accounts whose data changed or whose day to
       be looked at came (kam.health.engine ``_run``);
    4. ``reviews``: the next periodic review of each account, by its tier's
       review interval (kam.review ``_cron_schedule_reviews``);
    5. ``duties``: reminders of the responsibilities coming due, escalation
       of the overdue ones (kam.duty.engine ``_cron_kam_duties``);
    6. ``contact_cadence``: follow-up activities of the accounts overdue for
       contact (kam.cadence.engine ``_run_cadence``);
    7. ``customer_care``: care reminders (birthdays, anniversaries, holidays)
       (kam.cadence.engine ``_run_care``).

    Each stage is a batched job (kam.job): one bad account is skipped and
    reported, not the others; a stage never runs twice at the same time on
    the database. Each stage can still be run on its own: its scheduled
    action (inactive, "Run Manually") or its method.
    """

    _name = "kam.pipeline"
    _description = "Key account daily pipeline"

    STAGES = (
        ("contact_traffic", "kam.traffic.engine", "_run_in_pipeline"),
        ("figures_and_tiers", "kam.tier.engine", "_run"),
        ("profitability", "kam.profit.engine", "_run"),
        ("purchase_trend", "kam.sale.trend", "_cron_kam_refresh_trend"),
        ("white_space", "kam.white.space.engine", "_cron_kam_white_space"),
        ("reorder_radar", "kam.reorder.engine", "_run"),
        ("relationship_coverage", "kam.coverage.engine", "_run"),
        ("health_and_risk", "kam.health.engine", "_run"),
        ("reviews", "kam.review", "_cron_schedule_reviews"),
        ("duties", "kam.duty.engine", "_cron_kam_duties"),
        ("contact_cadence", "kam.cadence.engine", "_run_cadence"),
        ("customer_care", "kam.cadence.engine", "_run_care"),
    )

    @api.model
    def _cron_daily(self, stages=None):
        """Run the stages in order (all, or those named in ``stages``).
        Returns ``{stage: result of its job}``; empty when the pipeline is
        already running elsewhere."""
        unknown = set(stages or ()) - {name for name, __, __ in self.STAGES}
        if unknown:
            raise ValueError(f"unknown key-account pipeline stages: {sorted(unknown)}")
        results = {}
        with self.env["kam.job"]._exclusive_run("kam.pipeline") as acquired:
            if not acquired:
                _logger.info("kam pipeline: already running elsewhere, not run twice")
                return results
            failed = []
            for name, model, method in self.STAGES:
                if stages and name not in stages:
                    continue
                start = time.monotonic()
                try:
                    results[name] = getattr(self.env[model], method)()
                except Exception:
                    if not self.env["kam.job"]._commits():
                        raise
                    # run by the scheduler: one stage that fails (the database, a bug) does not stop
                    # the next ones; the pipeline fails at the end, so that the scheduler reports it
                    self.env.cr.rollback()
                    self.env.invalidate_all()
                    _logger.exception("kam pipeline: stage %s failed", name)
                    failed.append(name)
                    continue
                _logger.info("kam pipeline: %s in %.1f s: %r", name, time.monotonic() - start, results[name])
            if failed:
                raise UserError(self.env._("Key-account pipeline: these stages failed: %s.", ", ".join(failed)))
        return results

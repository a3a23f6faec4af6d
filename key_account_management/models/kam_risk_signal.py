# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import AccessError

from .kam_job import set_fillfactor

SIGNAL_TYPES = [
    ("overdue", "Overdue Receivables"),
    ("late_payment", "Late Payments"),
    ("cancellation", "Cancelled Orders"),
    ("spend_drop", "Spend Drop"),
    ("order_gap", "Order Gap"),
    ("silence", "No Contact"),
    ("low_satisfaction", "Low Satisfaction"),
    ("complaint", "Open Complaints"),
]

SEVERITIES = [
    ("low", "Low"),
    ("medium", "Medium"),
    ("high", "High"),
    ("critical", "Critical"),
]


class KamRiskSignal(models.Model):
    """A risk warning (风险预警) of a key account, computed from live data.

    One record per account and signal type while the condition holds: it is
    opened the first time the condition is seen (``first_seen``), its value
    and severity follow the data each time the health job looks at the
    account (``last_seen``), and it is closed (``resolved_on``) when the
    condition no longer holds. A later
    occurrence opens a new record, so the history shows when each episode
    started and ended.
    """

    _name = "kam.risk.signal"
    _inherit = ["kam.account.mixin", "mail.thread", "mail.activity.mixin"]
    _description = "Key Account Risk Signal"
    _order = "resolved_on desc nulls first, severity_rank desc, first_seen desc, id desc"
    _rec_name = "signal_type"

    signal_type = fields.Selection(SIGNAL_TYPES, "Signal", required=True, index=True)
    severity = fields.Selection(SEVERITIES, required=True, default="medium", index=True)
    severity_rank = fields.Integer(compute="_compute_severity_rank", store=True)
    value = fields.Float(digits=(16, 2), help="Measured value (unit depends on the signal, see Description).")
    threshold = fields.Float(digits=(16, 2), help="Threshold configured for this signal when it was last seen.")
    description = fields.Char(help="What was measured, in words: value, unit and threshold.")
    first_seen = fields.Date(required=True, default=fields.Date.context_today, index=True)
    last_seen = fields.Date(required=True, default=fields.Date.context_today)
    resolved_on = fields.Date(index=True, copy=False)
    is_open = fields.Boolean("Open", compute="_compute_is_open", store=True, index=True)
    duration_days = fields.Integer("Days Open", compute="_compute_duration_days")

    #: Free space left in each page of the table: the health job rewrites every open signal of
    #: the accounts it looks at (last seen, value); with room in the page, PostgreSQL writes the
    #: new version there without new index entries (a "HOT" update: 2-3x faster on the bench).
    FILLFACTOR = 70

    def init(self):
        res = super().init()
        set_fillfactor(self.env.cr, self._table, self.FILLFACTOR)
        return res

    @api.model_create_multi
    def create(self, vals_list):
        # opened in bulk by the health job: no "created" message nor follower per signal;
        # the chatter is there for the risk activities raised on the signal
        return super(KamRiskSignal, self.with_context(mail_create_nolog=True, mail_create_nosubscribe=True)).create(
            vals_list
        )

    def write(self, vals):
        # what a signal measured is the health job's: nobody rewrites it by hand (a manager may
        # annotate the description, until the next run describes the measure again)
        measured = vals.keys() & self._kam_job_fields()
        if measured and not self.env.su:
            raise AccessError(
                self.env._(
                    "Risk signals are measured by the health job from the account's data (%s cannot be written). "
                    "Use “Refresh Health” on the account after the data changed.",
                    ", ".join(sorted(self._fields[fname].string for fname in measured)),
                )
            )
        return super().write(vals)

    @api.model
    def _kam_job_fields(self):
        return {
            "partner_id",
            "company_id",
            "signal_type",
            "severity",
            "value",
            "threshold",
            "first_seen",
            "last_seen",
            "resolved_on",
        }

    @api.depends("severity")
    def _compute_severity_rank(self):
        ranks = {key: rank for rank, (key, __) in enumerate(SEVERITIES)}
        for signal in self:
            signal.severity_rank = ranks.get(signal.severity, 0)

    @api.depends("resolved_on")
    def _compute_is_open(self):
        for signal in self:
            signal.is_open = not signal.resolved_on

    def _compute_duration_days(self):
        today = fields.Date.context_today(self)
        for signal in self:
            end = signal.resolved_on or today
            signal.duration_days = (end - signal.first_seen).days if signal.first_seen else 0

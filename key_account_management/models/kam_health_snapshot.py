# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

from .kam_risk_signal import SEVERITIES

RISK_LEVELS = SEVERITIES


class KamHealthSnapshot(models.Model):
    """Weekly picture of a key account's health: the score, its components,
    the tier and the revenue figures of that day. Gives the trend of the
    score (arrow on the kanban) and its history graph."""

    _name = "kam.health.snapshot"
    _inherit = ["kam.account.mixin"]
    _description = "Key Account Health Snapshot"
    _order = "date desc, id desc"
    _rec_name = "date"

    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    score = fields.Integer("Health Score", aggregator="avg")
    spend_score = fields.Integer("Spend Trend", aggregator="avg")
    recency_score = fields.Integer("Recency / Frequency", aggregator="avg")
    payment_score = fields.Integer("Payment Behaviour", aggregator="avg")
    engagement_score = fields.Integer("Engagement", aggregator="avg")
    satisfaction_score = fields.Integer("Satisfaction", aggregator="avg")
    risk_level = fields.Selection(RISK_LEVELS)
    tier_id = fields.Many2one("kam.tier", "Tier at Snapshot", ondelete="set null")
    currency_id = fields.Many2one("res.currency", required=True, default=lambda self: self.env.company.currency_id)
    revenue_current = fields.Monetary("Trailing Revenue", currency_field="currency_id")
    revenue_previous = fields.Monetary("Previous Window Revenue", currency_field="currency_id")
    order_count = fields.Integer("Orders")

    _sql_constraints = [
        ("partner_date_uniq", "unique(partner_id, date)", "There is one health snapshot per account and day."),
    ]

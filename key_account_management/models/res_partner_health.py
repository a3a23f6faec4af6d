# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

from .kam_health_snapshot import RISK_LEVELS

HEALTH_BANDS = [
    ("good", "Good"),
    ("watch", "Watch"),
    ("at_risk", "At Risk"),
]

HEALTH_TRENDS = [
    ("up", "Improving"),
    ("flat", "Stable"),
    ("down", "Declining"),
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Health and risk (风险管理与预警): written in bulk by the health job
    # (no ORM write per account), like the sale figures.
    kam_health_score = fields.Integer("Health Score", readonly=True, copy=False, aggregator="avg")
    kam_health_band = fields.Selection(HEALTH_BANDS, "Health", readonly=True, copy=False, index=True)
    kam_risk_level = fields.Selection(RISK_LEVELS, "Risk Level", readonly=True, copy=False, index=True)
    kam_health_trend = fields.Selection(
        HEALTH_TRENDS, "Health Trend", readonly=True, copy=False, help="Score against the previous weekly snapshot."
    )
    kam_health_date = fields.Date("Health Computed On", readonly=True, copy=False)
    kam_risk_signal_ids = fields.One2many("kam.risk.signal", "partner_id", "Risk Signals")
    kam_health_snapshot_ids = fields.One2many("kam.health.snapshot", "partner_id", "Health Snapshots")

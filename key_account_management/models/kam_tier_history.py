# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

CHANGE_TYPES = [
    ("auto", "Automatic"),
    ("manual", "Manual"),
    ("lock", "Locked"),
    ("unlock", "Unlocked"),
]


class KamTierHistory(models.Model):
    """Every tier change of an account: who, when, why, from which figures."""

    _name = "kam.tier.history"
    _inherit = ["kam.input.mixin"]
    _description = "Key Account Tier History"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one("res.partner", "Account", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", related="partner_id.company_id", store=True)
    kam_manager_id = fields.Many2one("res.users", "Key Account Manager", related="partner_id.kam_manager_id")
    old_tier_id = fields.Many2one("kam.tier", "Previous Tier", ondelete="set null")
    new_tier_id = fields.Many2one("kam.tier", ondelete="set null", index=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    user_id = fields.Many2one("res.users", "Changed By", default=lambda self: self.env.user, required=True)
    change_type = fields.Selection(CHANGE_TYPES, "Change", required=True, default="auto")
    reason = fields.Char()
    currency_id = fields.Many2one("res.currency", required=True, default=lambda self: self.env.company.currency_id)
    revenue_current = fields.Monetary("Trailing Revenue", currency_field="currency_id")
    revenue_previous = fields.Monetary("Previous Window Revenue", currency_field="currency_id")
    order_count = fields.Integer("Orders")
    potential = fields.Integer()
    trend = fields.Float("Trend (%)", digits=(16, 1))

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    kam_trailing_months = fields.Integer(related="company_id.kam_trailing_months", readonly=False)
    kam_apply_tier_pricelist = fields.Boolean(related="company_id.kam_apply_tier_pricelist", readonly=False)

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class SaleReport(models.Model):
    _inherit = "sale.report"

    kam_tier_id = fields.Many2one("kam.tier", "Tier at Confirmation", readonly=True)

    def _select_additional_fields(self):
        res = super()._select_additional_fields()
        res["kam_tier_id"] = "s.kam_tier_id"
        return res

    def _group_by_sale(self):
        res = super()._group_by_sale()
        res += """,
            s.kam_tier_id"""
        return res

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models
from odoo.tools import SQL

from odoo.addons.key_account_management.report.kam_sale_analysis import order_amount_sql


class KamSaleAnalysis(models.Model):
    _inherit = "kam.sale.analysis"
    _depends = {"sale.order": ["margin"]}

    margin = fields.Monetary(readonly=True)
    margin_percent = fields.Float(
        "Margin (%)", readonly=True, aggregator="avg", help="Margin / revenue of the group (not an average of rows)."
    )

    def _select_columns(self):
        revenue = order_amount_sql("amount_untaxed")
        margin = SQL("COALESCE(%s, 0.0)", order_amount_sql("margin"))
        return [
            *super()._select_columns(),
            SQL("SUM(%s) AS margin", margin),
            SQL("COALESCE(SUM(%s) / NULLIF(SUM(%s), 0.0) * 100.0, 0.0) AS margin_percent", margin, revenue),
        ]

    def _ratio_aggregates(self):
        return dict(super()._ratio_aggregates(), **{"margin_percent:avg": ("margin", "revenue", 100.0)})

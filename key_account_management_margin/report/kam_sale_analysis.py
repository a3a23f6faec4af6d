# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models
from odoo.tools import SQL


class KamSaleAnalysis(models.Model):
    _inherit = "kam.sale.analysis"
    _depends = {"sale.order": ["margin"]}

    margin = fields.Monetary(readonly=True)
    margin_percent = fields.Float(
        "Margin (%)", readonly=True, aggregator="avg", help="Margin / revenue of the group (not an average of rows)."
    )

    def _select_columns(self):
        revenue = self._amount_sql()
        margin = SQL("COALESCE(%s, 0.0)", self._amount_sql("margin"))
        return [
            *super()._select_columns(),
            SQL("SUM(%s) AS margin", margin),
            SQL("COALESCE(SUM(%s) / NULLIF(SUM(%s), 0.0) * 100.0, 0.0) AS margin_percent", margin, revenue),
        ]

    def _ratio_aggregates(self):
        return dict(super()._ratio_aggregates(), **{"margin_percent:avg": ("margin", "revenue", 100.0)})

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models
from odoo.tools import SQL


class KamProfitEngine(models.AbstractModel):
    _inherit = "kam.profit.engine"

    @api.model
    def _line_cost_sql(self):
        """The line's own cost (sale_margin's ``purchase_price``, per unit
        of the line, in the order's currency) x its quantity, in company
        currency at the order's rate; NULL (unknown) when not above 0."""
        cost = self.env["kam.account.figures"]._order_amount_sql("so", "purchase_price", "sol")
        return SQL("CASE WHEN sol.purchase_price > 0 THEN %s * sol.product_uom_qty END", cost)

    @api.model
    def _line_cost_columns(self):
        return [*super()._line_cost_columns(), "purchase_price"]

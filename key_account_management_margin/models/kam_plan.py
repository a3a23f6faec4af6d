# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class KamPlanObjective(models.Model):
    _inherit = "kam.plan.objective"

    # Uninstalled: margin objectives become custom ones (entered by hand),
    # keeping their last measured value; the objective and its plan stay.
    metric = fields.Selection(
        selection_add=[("revenue",), ("margin", "Gross Margin"), ("order_count",)],
        ondelete={"margin": lambda objectives: objectives._kam_margin_to_custom()},
    )

    def _order_metrics(self):
        """Gross margin of the orders (sale_margin's ``sale_order.margin``),
        in company currency at each order's rate, like the revenue."""
        return dict(super()._order_metrics(), margin="margin")

    def _kam_margin_to_custom(self):
        """Turn gross margin objectives into custom ones holding their current
        value (measured while sale_margin's columns are still there)."""
        for objective in self:
            objective.write({"metric": "custom", "manual_actual": objective.actual})

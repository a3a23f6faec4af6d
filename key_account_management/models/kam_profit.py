# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models, tools


class KamProfit(models.Model):
    """Profitability per account (成本与利润): what an account earns after
    the cost of serving it, over the trailing window of the figures
    (``kam_trailing_months`` of the company), in the company's currency.

    One row per key account and company, written by the pipeline stage
    ``profitability`` (kam.profit.engine), never by hand::

        margin  = revenue with known cost - cost
        profit  = margin - credit notes - financing cost - service effort

    Discounts (list price against the net price) are shown apart: the
    revenue is already net of them (they are the step from the list value
    to the revenue), so they are not taken off the margin a second time.
    See the README ("Profitability") for each part, computed so that it
    can be checked by hand on one account.
    """

    _name = "kam.profit"
    _inherit = ["kam.account.mixin"]
    #: rows the daily stages compute: an account moved to another company drops them (computed again)
    _kam_computed_rows = True
    _description = "Key Account Profitability"
    _order = "profit, id"
    _rec_name = "partner_id"

    company_id = fields.Many2one(required=True, readonly=True)
    partner_id = fields.Many2one(readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_computed = fields.Date(
        "Computed On",
        readonly=True,
        help="The day the figures were computed (they are written only when they change): the last day of "
        "the window, up to which the open invoices are counted late.",
    )
    date_from = fields.Date("Window From", compute="_compute_window", help="First day of the trailing window.")
    revenue = fields.Monetary(
        readonly=True,
        help="Confirmed order lines of the window, untaxed, in company currency at each order's rate.",
    )
    revenue_known_cost = fields.Monetary(
        "Revenue with Known Cost",
        readonly=True,
        help="Revenue of the order lines whose cost is known (a cost above zero).",
    )
    revenue_unknown_cost = fields.Monetary(
        "Revenue without Cost",
        compute="_compute_revenue_unknown_cost",
        aggregator="sum",
        help="Revenue of the order lines without a known cost: left out of the margin.",
    )
    cost = fields.Monetary(readonly=True, help="Cost of the order lines with a known cost.")
    margin = fields.Monetary(readonly=True, help="Revenue with known cost minus its cost.")
    list_revenue = fields.Monetary(
        "List Value", readonly=True, help="What the lines would have brought at list price: revenue plus discounts."
    )
    discount_amount = fields.Monetary(
        "Discounts",
        readonly=True,
        help="Per line the larger of (list price - net unit price) x quantity and the amount of the line's "
        "discount %; already deducted from the revenue.",
    )
    discount_percent = fields.Float(
        "Discount (%)", readonly=True, digits=(16, 1), aggregator="avg", help="Discounts in percent of the list value."
    )
    refund_amount = fields.Monetary(
        "Credit Notes", readonly=True, help="Posted credit notes (returns, refunds) dated in the window, untaxed."
    )
    late_amount_days = fields.Float(
        "Amount x Days Late",
        readonly=True,
        digits=(16, 0),
        help="For each invoice instalment due in the window: each payment x days it came after the due date, "
        "plus what is still open x days overdue until today.",
    )
    financing_cost = fields.Monetary(readonly=True, help="Amount x days late x the yearly financing rate / 365.")
    service_count = fields.Integer(
        "Service Interactions", readonly=True, help="Done service cases and complaints of the window."
    )
    service_cost = fields.Monetary(
        "Service Effort", readonly=True, help="Service interactions x the cost of a service interaction."
    )
    profit = fields.Monetary(
        "Profit after Cost to Serve",
        readonly=True,
        help="Margin - credit notes - financing cost - service effort.",
    )
    profit_percent = fields.Float(
        "Profit (%)", readonly=True, digits=(16, 1), aggregator="avg", help="Profit in percent of the revenue."
    )
    discount_quarters = fields.Json(
        readonly=True, help="Average discount % of each calendar quarter with sales, oldest first."
    )
    discount_trend = fields.Char(
        "Discount by Quarter", compute="_compute_discount_trend", help="Average discount of each quarter with sales."
    )
    quarter_discount_percent = fields.Float(
        "Discount this Quarter (%)",
        readonly=True,
        digits=(16, 1),
        aggregator="avg",
        help="Average discount of the latest quarter with sales.",
    )
    creep_quarters = fields.Integer(
        "Discount Rising (quarters)",
        readonly=True,
        aggregator="max",
        help="Quarters in a row, up to the latest, whose average discount rose by at least the minimum step.",
    )
    discount_creep = fields.Boolean(
        readonly=True, index=True, help="The average discount rose for at least the configured quarters in a row."
    )

    _sql_constraints = [
        ("partner_company_uniq", "unique(partner_id, company_id)", "One profitability row per account and company."),
    ]

    def init(self):
        res = super().init()
        # the tier and health stages look for the rows changed since their last run
        tools.create_index(self.env.cr, "kam_profit_write_date_index", self._table, ["write_date"])
        return res

    @api.depends("company_id", "date_computed")
    def _compute_window(self):
        Figures = self.env["kam.account.figures"]
        for row in self:
            months = row.company_id.kam_trailing_months or 12
            row.date_from = Figures._window(months, row.date_computed)[1].date() if row.date_computed else False

    @api.depends("revenue", "revenue_known_cost")
    def _compute_revenue_unknown_cost(self):
        for row in self:
            row.revenue_unknown_cost = row.revenue - row.revenue_known_cost

    @api.depends("discount_quarters")
    def _compute_discount_trend(self):
        for row in self:
            parts = []
            for day, percent in row.discount_quarters or []:
                quarter = fields.Date.to_date(day)
                label = self.env._("Q%(quarter)s %(year)s", quarter=(quarter.month - 1) // 3 + 1, year=quarter.year)
                parts.append(f"{label}: {percent:.1f} %")
            row.discount_trend = " → ".join(parts)

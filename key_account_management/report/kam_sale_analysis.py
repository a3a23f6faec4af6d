# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.tools import SQL

# Ratios that pivot and graph must recompute from the sums of the group
# (revenue / orders of the group), never average row by row: see
# ``_read_group_select`` (same technique as purchase.report's price_average).
# {aggregate: (numerator, denominator, factor)}; key_account_management_margin
# adds the margin percentage.
RATIO_AGGREGATES = {
    "avg_order_value:avg": ("revenue", "order_count", 1.0),
}


class KamSaleAnalysis(models.Model):
    """Key-account sales per account, month, company, sales team and tier at
    confirmation: revenue, orders and average order value (and margin with
    key_account_management_margin, which extends ``_select_columns``).

    One row per group of confirmed orders (``state = 'sale'``) of a key
    account; orders placed by contacts count for their commercial entity.
    Amounts are in the current company's currency, like sale.report.
    Months are calendar months of the order date in UTC.
    """

    _name = "kam.sale.analysis"
    _description = "Key Account Sales Analysis"
    _auto = False
    _rec_name = "partner_id"
    _order = "date desc, partner_id"
    _depends = {
        "sale.order": [
            "partner_id",
            "state",
            "date_order",
            "amount_untaxed",
            "currency_rate",
            "company_id",
            "team_id",
            "kam_tier_id",
        ],
        "res.partner": ["commercial_partner_id", "kam_is_key_account", "kam_tier_id", "kam_manager_id"],
    }

    partner_id = fields.Many2one("res.partner", "Key Account", readonly=True)
    tier_id = fields.Many2one("kam.tier", readonly=True, help="The account's current tier.")
    order_tier_id = fields.Many2one("kam.tier", "Tier at Confirmation", readonly=True)
    kam_manager_id = fields.Many2one("res.users", "Key Account Manager", readonly=True)
    team_id = fields.Many2one("crm.team", "Sales Team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id")
    date = fields.Date("Month", readonly=True)
    revenue = fields.Monetary(readonly=True, help="Untaxed amount of the confirmed orders.")
    order_count = fields.Integer("Orders", readonly=True)
    avg_order_value = fields.Monetary(
        "Average Order Value",
        readonly=True,
        aggregator="avg",
        help="Revenue / orders of the group (not an average of averages).",
    )

    @api.depends_context("allowed_company_ids")
    def _compute_currency_id(self):
        self.currency_id = self.env.company.currency_id

    def _amount_sql(self, column="amount_untaxed"):
        """SQL of an amount of the order ``so`` in the current company's
        currency: the figures service's order amount (company currency at
        the order's rate, as sale.report), converted with the simple
        currency table (``account_currency_table``) as sale.report does."""
        return SQL(
            "%s * COALESCE(NULLIF(account_currency_table.rate, 0), 1.0)",
            self.env["kam.account.figures"]._order_amount_sql("so", column),
        )

    def _select_columns(self):
        """The columns of the view, as ``SQL`` over the confirmed orders
        ``so`` of a group, in the order of the SELECT. Modules adding a
        figure (key_account_management_margin) append theirs."""
        revenue = self._amount_sql()
        return [
            SQL("MIN(so.id) AS id"),
            SQL("p.id AS partner_id"),
            SQL("p.kam_tier_id AS tier_id"),
            SQL("so.kam_tier_id AS order_tier_id"),
            SQL("p.kam_manager_id AS kam_manager_id"),
            SQL("so.team_id AS team_id"),
            SQL("so.company_id AS company_id"),
            SQL("date_trunc('month', so.date_order)::date AS date"),
            SQL("SUM(%s) AS revenue", revenue),
            SQL("COUNT(so.id) AS order_count"),
            SQL("SUM(%s) / COUNT(so.id) AS avg_order_value", revenue),
        ]

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT %(columns)s
              FROM sale_order so
              JOIN res_partner sp ON sp.id = so.partner_id
              JOIN res_partner p ON p.id = sp.commercial_partner_id
              JOIN %(currency_table)s ON account_currency_table.company_id = so.company_id
             WHERE so.state = 'sale'
               AND p.kam_is_key_account
          GROUP BY p.id, so.kam_tier_id, so.team_id, so.company_id, date_trunc('month', so.date_order),
                   account_currency_table.rate
            """,
            columns=SQL(",\n                   ").join(self._select_columns()),
            currency_table=self.env["res.currency"]._get_simple_currency_table(self.env.companies),
        )

    def _ratio_aggregates(self):
        """{aggregate: (numerator, denominator, factor)} of the ratio fields."""
        return dict(RATIO_AGGREGATES)

    def _read_group_select(self, aggregate_spec, query):
        ratios = self._ratio_aggregates()
        if aggregate_spec not in ratios:
            return super()._read_group_select(aggregate_spec, query)
        numerator, denominator, factor = ratios[aggregate_spec]
        return SQL(
            "COALESCE(SUM(%(num)s) / NULLIF(SUM(%(den)s), 0) * %(factor)s, 0.0)",
            num=self._field_to_sql(self._table, numerator, query),
            den=self._field_to_sql(self._table, denominator, query),
            factor=factor,
        )

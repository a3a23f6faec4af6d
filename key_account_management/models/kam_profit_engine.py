# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models, tools
from odoo.tools import SQL

from .kam_job import CHANGE_MARGIN, FULL_RUN_DAYS, values_sql

#: Accounts computed per statement. Each statement reads the orders and the due
#: invoice lines of the whole window once, whatever its accounts: at 10 % of the
#: 100,000-account bench (11,400 accounts), 3 statements of 5,000 took 2.41 s,
#: one of 20,000 1.65 s.
PROFIT_BATCH_SIZE = 20000

#: Quarters of discount history kept (more when the creep setting asks for more).
SHOWN_QUARTERS = 6

#: Columns the stage writes (besides the key partner, company).
PROFIT_COLUMNS = [
    "kam_manager_id",
    "revenue",
    "revenue_known_cost",
    "cost",
    "margin",
    "list_revenue",
    "discount_amount",
    "discount_percent",
    "refund_amount",
    "late_amount_days",
    "financing_cost",
    "service_count",
    "service_cost",
    "profit",
    "profit_percent",
    "discount_quarters",
    "quarter_discount_percent",
    "creep_quarters",
    "discount_creep",
]


def quarter_start(day):
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


class KamProfitEngine(models.AbstractModel):
    """Pipeline stage ``profitability``: the profit after cost to serve of
    each key account (``kam.profit``), per company, over the trailing window
    of the figures (``kam_trailing_months``), and its discount creep.

    One statement per batch of accounts reads the confirmed order lines
    (revenue, cost, discounts, the quarters of the discount creep), the
    invoice instalments and their payments (financing cost), the posted
    credit notes and the done service interactions, then inserts the new
    rows, updates only the rows whose values changed and deletes the rows
    of accounts without any of these any more.

    Incremental: the accounts whose orders, invoices (payments change them),
    interactions or record changed since the last run and those whose
    window moved over an order, an invoice or an interaction; every account
    on the first run, weekly, when a company's settings changed and when a
    new quarter began. The financing cost of an instalment still open grows
    every day: it is counted up to the day the row was computed
    (``date_computed``), at the latest a week ago (recomputing every account
    with an open overdue invoice every day would recompute most accounts,
    and then their health, every day)."""

    _name = "kam.profit.engine"
    _description = "Key account profitability engine"

    def init(self):
        res = super().init()
        # the invoices and credit notes of a day's accounts, read by their own commercial entity, as the
        # receivables count them (Odoo indexes the invoice's partner only): the profitability read every
        # receivable line of the window
        tools.create_index(
            self.env.cr,
            "account_move_kam_commercial_partner_index",
            "account_move",
            ["commercial_partner_id"],
            where="move_type IN ('out_invoice', 'out_refund') AND state = 'posted'",
        )
        return res

    @api.model
    def _cron_kam_profitability(self):
        return self._run()

    @api.model
    def _run(self, batch_size=None, full=False, today=None):
        Job = self.env["kam.job"]
        cr = self.env.cr
        started = cr.now()
        today = today or fields.Date.context_today(self)
        last_run = None if full else Job._last_run("profitability", full_every_days=FULL_RUN_DAYS)
        if last_run and quarter_start(fields.Datetime.context_timestamp(self, last_run).date()) != quarter_start(today):
            last_run = None  # a new quarter: every account's discount quarters move
        changed = self._changed_since(last_run, today) if last_run else None
        self.env["res.partner"].flush_model(["kam_is_key_account", "commercial_partner_id", "active"])
        self.env["kam.profit"].flush_model()
        ids = Job._accounts_to_refresh("kam_profit", changed)
        self.env["kam.profit"].invalidate_model()

        def compute_profitability(batch):
            self._compute(batch.ids, today=today)

        result = Job._run_in_batches(ids, compute_profitability, batch_size=batch_size or PROFIT_BATCH_SIZE)
        if not result.running_elsewhere:
            Job._set_last_run("profitability", started, full=changed is None)
        return result

    @api.model
    def _changed_since(self, last_run, today):
        """Ids of the commercial partners whose profitability may have
        changed since ``last_run``, or None when every account's may have (a
        company's settings changed)."""
        self.env.flush_all()
        since = last_run - CHANGE_MARGIN
        if self.env["kam.job"]._written_since(["res_company"], since):
            return None
        Figures = self.env["kam.account.figures"]
        last_day = fields.Datetime.context_timestamp(self, last_run).date()
        starts = []
        if last_day < today:
            for months in set(self.env["res.company"].sudo().search([]).mapped("kam_trailing_months")):
                starts.append((Figures._window(months, last_day)[1], Figures._window(months, today)[1]))
        TierEngine = self.env["kam.tier.engine"]
        date_ranges = [(start.date(), end.date()) for start, end in starts]
        self.env.cr.execute(
            SQL(
                """
                SELECT p.commercial_partner_id FROM res_partner p WHERE p.write_date >= %(since)s
                 UNION
                SELECT p.commercial_partner_id
                  FROM res_partner p
                 WHERE p.id = ANY(ARRAY(
                           SELECT so.partner_id FROM sale_order so
                            WHERE so.write_date >= %(since)s OR (so.state = 'sale' AND (%(orders_moved)s))
                       ))
                 UNION
                SELECT am.commercial_partner_id
                  FROM account_move am
                 WHERE am.move_type IN ('out_invoice', 'out_refund') AND am.state = 'posted'
                   AND (am.write_date >= %(since)s OR %(due_moved)s OR %(refunds_moved)s)
                 UNION
                SELECT i.partner_id FROM kam_interaction i WHERE i.write_date >= %(since)s OR %(interactions_moved)s
                """,
                since=since,
                orders_moved=TierEngine._date_ranges_sql(SQL("so.date_order"), starts),
                due_moved=TierEngine._date_ranges_sql(SQL("am.invoice_date_due"), date_ranges),
                refunds_moved=TierEngine._date_ranges_sql(SQL("am.invoice_date"), date_ranges),
                interactions_moved=TierEngine._date_ranges_sql(SQL("i.date"), starts),
            )
        )
        return [row[0] for row in self.env.cr.fetchall() if row[0]]

    # ------------------------------------------------------------------
    # Parts of the SQL (the bridge with sale_margin overrides the cost)
    # ------------------------------------------------------------------
    @api.model
    def _line_cost_sql(self):
        """SQL of the cost of the order line ``sol`` (order ``so``, product
        ``pp``, units ``lu`` of the line and ``pu`` of the product) in the
        order's company currency, NULL when unknown: the product's cost
        (``standard_price`` of the order's company, per unit of the product)
        x the quantity in the product's unit; unknown when not above 0. With sale_margin installed,
        the line's own cost (``purchase_price``, key_account_management_margin)."""
        Figures = self.env["kam.account.figures"]
        cost = SQL("(pp.standard_price ->> so.company_id::text)::numeric")
        return SQL("CASE WHEN %s > 0 THEN %s * %s END", cost, cost, Figures._line_product_qty_sql("sol", "lu", "pu"))

    @api.model
    def _line_cost_columns(self):
        """Columns of sale.order.line ``_line_cost_sql`` reads (flushed)."""
        return []

    @api.model
    def _windows_sql(self, today):
        """``VALUES (company_id, date_from, date_to, quarter_from, ...)`` of
        every company: its trailing window of the figures (``_window`` of
        kam.account.figures), the first quarter of its discount history and
        its settings."""
        Figures = self.env["kam.account.figures"]
        end = Figures._day_end(today)
        rows = []
        for company in self.env["res.company"].sudo().search([]):
            start = Figures._window(company.kam_trailing_months or 12, today)[1]
            quarters = max(SHOWN_QUARTERS, (company.kam_profit_creep_quarters or 3) + 1)
            rows.append(
                (
                    company.id,
                    start,
                    end,
                    quarter_start(today) - relativedelta(months=3 * (quarters - 1)),
                    company.currency_id.decimal_places,
                    company.kam_profit_financing_rate,
                    company.kam_profit_service_cost,
                    company.kam_profit_creep_quarters or 3,
                    company.kam_profit_creep_step,
                )
            )
        return values_sql(
            "(%s, %s::timestamp, %s::timestamp, %s::timestamp, %s::int4, %s::numeric, %s::numeric, %s::int4, "
            "%s::numeric)",
            rows,
        )

    @api.model
    def _profit_query(self, partner_ids, today):
        """SQL of the new rows of these accounts: one per (account, company)
        with orders, invoices, credit notes or service interactions."""
        Figures = self.env["kam.account.figures"]
        net = Figures._order_amount_sql("so", "price_subtotal", "sol")
        qty = Figures._line_product_qty_sql("sol", "lu", "pu")
        ids = list(partner_ids)
        return SQL(
            """
            WITH w(company_id, date_from, date_to, quarter_from, digits, rate, service_cost, creep_quarters,
                   creep_step) AS (VALUES %(windows)s),
            lines AS (
                SELECT p.commercial_partner_id AS partner_id, so.company_id,
                       so.date_order >= w.date_from AS in_window,
                       so.date_order >= w.quarter_from AS in_quarters,
                       date_trunc('quarter', so.date_order)::date AS quarter,
                       %(net)s AS net,
                       %(cost)s AS cost,
                       -- against the list price (the product's sales price in its unit), at least the
                       -- line's discount percent (net x d / (100 - d): the amount before the discount, untaxed)
                       GREATEST(
                           pt.list_price * %(qty)s - %(net)s,
                           CASE WHEN sol.discount >= 100 THEN sol.price_unit * sol.product_uom_qty
                                                              / COALESCE(NULLIF(so.currency_rate, 0), 1.0)
                                WHEN sol.discount > 0 THEN %(net)s * sol.discount / (100 - sol.discount) END,
                           0
                       ) AS discount
                  FROM sale_order so
                  JOIN res_partner p ON p.id = so.partner_id
                  JOIN w ON w.company_id = so.company_id
                  JOIN sale_order_line sol ON sol.order_id = so.id
             LEFT JOIN product_product pp ON pp.id = sol.product_id
             LEFT JOIN product_template pt ON pt.id = pp.product_tmpl_id
             LEFT JOIN uom_uom lu ON lu.id = sol.product_uom
             LEFT JOIN uom_uom pu ON pu.id = pt.uom_id
                 WHERE so.state = 'sale'
                   AND p.commercial_partner_id = ANY(%(ids)s)
                   %(orders_of)s
                   AND so.date_order < w.date_to
                   AND so.date_order >= LEAST(w.date_from, w.quarter_from)
                   AND sol.display_type IS NULL
                   AND NOT COALESCE(sol.is_downpayment, FALSE)
                   %(company_filter)s
            ),
            sales AS (
                SELECT partner_id, company_id,
                       SUM(net) FILTER (WHERE in_window) AS revenue,
                       SUM(net) FILTER (WHERE in_window AND cost IS NOT NULL) AS revenue_known_cost,
                       SUM(cost) FILTER (WHERE in_window) AS cost,
                       SUM(discount) FILTER (WHERE in_window) AS discount
                  FROM lines
              GROUP BY partner_id, company_id
            ),
            quarters AS (
                SELECT l.partner_id, l.company_id, l.quarter,
                       ROUND((SUM(l.discount) * 100 / (SUM(l.net) + SUM(l.discount)))::numeric, 2) AS percent
                  FROM lines l
                 WHERE l.in_quarters
              GROUP BY l.partner_id, l.company_id, l.quarter
                HAVING SUM(l.net) + SUM(l.discount) > 0
            ),
            steps AS (
                SELECT q.*,
                       ROW_NUMBER() OVER win AS n,
                       COUNT(*) OVER (PARTITION BY q.partner_id, q.company_id) AS total,
                       q.percent - LAG(q.percent) OVER win >= w.creep_step AS up
                  FROM quarters q
                  JOIN w ON w.company_id = q.company_id
                WINDOW win AS (PARTITION BY q.partner_id, q.company_id ORDER BY q.quarter)
            ),
            creep AS (
                SELECT partner_id, company_id,
                       jsonb_agg(jsonb_build_array(quarter, percent) ORDER BY quarter) AS series,
                       MAX(percent) FILTER (WHERE n = total) AS last_percent,
                       (MAX(total) - MAX(n) FILTER (WHERE up IS NOT TRUE))::int AS rising
                  FROM steps
              GROUP BY partner_id, company_id
            ),
            late AS (
                SELECT am.commercial_partner_id AS partner_id, am.company_id,
                       SUM(COALESCE((SELECT SUM(apr.amount * GREATEST(apr.max_date - aml.date_maturity, 0))
                                       FROM account_partial_reconcile apr
                                      WHERE apr.debit_move_id = aml.id), 0)
                           + aml.amount_residual * GREATEST(%(today)s::date - aml.date_maturity, 0))
                           AS amount_days
                  FROM account_move am
                  JOIN w ON w.company_id = am.company_id
                  JOIN account_move_line aml ON aml.move_id = am.id
                  JOIN account_account aa ON aa.id = aml.account_id AND aa.account_type = 'asset_receivable'
                 WHERE am.move_type = 'out_invoice'
                   AND am.state = 'posted'
                   AND am.commercial_partner_id = ANY(%(ids)s)
                   %(moves_of)s
                   AND aml.date_maturity >= w.date_from::date
                   AND aml.date_maturity < w.date_to::date
                   %(move_company_filter)s
              GROUP BY am.commercial_partner_id, am.company_id
            ),
            refunds AS (
                SELECT am.commercial_partner_id AS partner_id, am.company_id,
                       -SUM(am.amount_untaxed_signed) AS amount
                  FROM account_move am
                  JOIN w ON w.company_id = am.company_id
                 WHERE am.move_type = 'out_refund'
                   AND am.state = 'posted'
                   AND am.commercial_partner_id = ANY(%(ids)s)
                   %(moves_of)s
                   AND am.invoice_date >= w.date_from::date
                   AND am.invoice_date < w.date_to::date
                   %(move_company_filter)s
              GROUP BY am.commercial_partner_id, am.company_id
            ),
            service AS (
                SELECT i.partner_id, w.company_id, COUNT(*) AS count
                  FROM kam_interaction i
                  JOIN res_partner p ON p.id = i.partner_id
                  JOIN w ON w.company_id = COALESCE(i.company_id, p.company_id, %(company)s)
                 WHERE i.partner_id = ANY(%(ids)s)
                   AND i.state = 'done'
                   AND i.channel IN ('service', 'complaint')
                   AND i.date >= w.date_from
                   AND i.date < w.date_to
              GROUP BY i.partner_id, w.company_id
            ),
            -- every part of an account in one aggregate (left joins of the parts on a list of keys
            -- were planned as nested loops over the CTEs: 3 s for 1,000 accounts)
            summed AS (
                SELECT u.partner_id, u.company_id,
                       SUM(u.revenue) AS revenue, SUM(u.revenue_known_cost) AS revenue_known_cost,
                       SUM(u.cost) AS cost, SUM(u.discount) AS discount, SUM(u.refund) AS refund,
                       SUM(u.amount_days) AS amount_days, SUM(u.service) AS service,
                       (ARRAY_AGG(u.series) FILTER (WHERE u.series IS NOT NULL))[1] AS series,
                       MAX(u.last_percent) AS last_percent, MAX(u.rising) AS rising
                  FROM (
                        SELECT partner_id, company_id, revenue, revenue_known_cost, cost, discount,
                               NULL::numeric AS refund, NULL::numeric AS amount_days, NULL::int8 AS service,
                               NULL::jsonb AS series, NULL::numeric AS last_percent, NULL::int AS rising
                          FROM sales
                     UNION ALL
                        SELECT partner_id, company_id, NULL, NULL, NULL, NULL, NULL, amount_days, NULL, NULL, NULL, NULL
                          FROM late
                     UNION ALL
                        SELECT partner_id, company_id, NULL, NULL, NULL, NULL, amount, NULL, NULL, NULL, NULL, NULL
                          FROM refunds
                     UNION ALL
                        SELECT partner_id, company_id, NULL, NULL, NULL, NULL, NULL, NULL, count, NULL, NULL, NULL
                          FROM service
                     UNION ALL
                        SELECT partner_id, company_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, series,
                               last_percent, rising
                          FROM creep
                       ) u
              GROUP BY u.partner_id, u.company_id
            ),
            parts AS (
                SELECT k.partner_id, k.company_id, w.digits,
                       ROUND(COALESCE(k.revenue, 0)::numeric, w.digits) AS revenue,
                       ROUND(COALESCE(k.revenue_known_cost, 0)::numeric, w.digits) AS revenue_known_cost,
                       ROUND(COALESCE(k.cost, 0)::numeric, w.digits) AS cost,
                       ROUND(COALESCE(k.discount, 0)::numeric, w.digits) AS discount_amount,
                       ROUND(COALESCE(k.refund, 0)::numeric, w.digits) AS refund_amount,
                       ROUND(COALESCE(k.amount_days, 0)::numeric, 0) AS late_amount_days,
                       ROUND((COALESCE(k.amount_days, 0) * w.rate / 100 / 365)::numeric, w.digits) AS financing_cost,
                       COALESCE(k.service, 0)::int AS service_count,
                       ROUND(COALESCE(k.service, 0) * w.service_cost, w.digits) AS service_cost,
                       k.series, k.last_percent, COALESCE(k.rising, 0) AS rising, w.creep_quarters
                  FROM summed k
                  JOIN w ON w.company_id = k.company_id
            )
            SELECT x.partner_id, x.company_id,
                   a.kam_manager_id,
                   x.revenue::float8 AS revenue,
                   x.revenue_known_cost::float8 AS revenue_known_cost,
                   x.cost::float8 AS cost,
                   (x.revenue_known_cost - x.cost)::float8 AS margin,
                   (x.revenue + x.discount_amount)::float8 AS list_revenue,
                   x.discount_amount::float8 AS discount_amount,
                   COALESCE(ROUND(x.discount_amount * 100 / NULLIF(x.revenue + x.discount_amount, 0), 1), 0)::float8
                       AS discount_percent,
                   x.refund_amount::float8 AS refund_amount,
                   x.late_amount_days::float8 AS late_amount_days,
                   x.financing_cost::float8 AS financing_cost,
                   x.service_count,
                   x.service_cost::float8 AS service_cost,
                   (x.revenue_known_cost - x.cost - x.refund_amount - x.financing_cost - x.service_cost)::float8
                       AS profit,
                   COALESCE(ROUND((x.revenue_known_cost - x.cost - x.refund_amount - x.financing_cost
                                   - x.service_cost) * 100 / NULLIF(x.revenue, 0), 1), 0)::float8 AS profit_percent,
                   x.series AS discount_quarters,
                   COALESCE(ROUND(x.last_percent, 1), 0)::float8 AS quarter_discount_percent,
                   x.rising AS creep_quarters,
                   x.rising >= x.creep_quarters AS discount_creep
              FROM parts x
              JOIN res_partner a ON a.id = x.partner_id
            """,
            windows=self._windows_sql(today),
            net=net,
            cost=self._line_cost_sql(),
            qty=qty,
            ids=ids,
            orders_of=Figures._members_filter(ids),
            # (the invoices and credit notes of a day's accounts by the index of their commercial entity, then
            # by id: PostgreSQL, not trusting the index for a list of accounts, read every receivable line)
            moves_of=SQL(
                """AND am.id = ANY(ARRAY(SELECT m.id FROM account_move m
                                          WHERE m.commercial_partner_id = ANY(%s) AND m.state = 'posted'
                                            AND m.move_type IN ('out_invoice', 'out_refund')))""",
                ids,
            )
            if len(ids) <= Figures.LARGE_REQUEST
            else SQL(""),
            today=today,
            company=self.env.company.id,
            company_filter=Figures._company_filter(),
            move_company_filter=Figures._company_filter("am.company_id", "am.commercial_partner_id"),
        )

    @api.model
    def _compute(self, partner_ids, today=None):
        """Write the rows of these accounts: insert the new ones, update
        only those whose values changed, delete those of accounts without
        orders, invoices, credit notes or service interactions in the
        window. One statement.

        :return: (updated, inserted, deleted) row counts
        """
        if not partner_ids:
            return (0, 0, 0)
        today = today or fields.Date.context_today(self)
        Figures = self.env["kam.account.figures"]
        Figures._flush_orders()
        self.env["res.partner"].flush_model(["kam_manager_id", "commercial_partner_id", "company_id"])
        self.env["res.company"].flush_model()
        self.env["sale.order.line"].flush_model(
            [
                "order_id",
                "product_id",
                "product_uom_qty",
                "product_uom",
                "display_type",
                "is_downpayment",
                "price_subtotal",
                "price_unit",
                "discount",
                *self._line_cost_columns(),
            ]
        )
        self.env["product.product"].flush_model(["product_tmpl_id", "standard_price"])
        self.env["product.template"].flush_model(["list_price", "uom_id"])
        self.env["account.move"].flush_model(
            ["move_type", "state", "commercial_partner_id", "company_id", "invoice_date", "amount_untaxed_signed"]
        )
        self.env["account.move.line"].flush_model(["move_id", "account_id", "date_maturity", "amount_residual"])
        self.env["account.partial.reconcile"].flush_model(["debit_move_id", "amount", "max_date"])
        self.env["kam.interaction"].flush_model(["partner_id", "company_id", "state", "channel", "date"])
        Profit = self.env["kam.profit"]
        Profit.flush_model()
        counts = self.env["kam.job"]._upsert_rows(
            "kam_profit",
            ["partner_id", "company_id"],
            PROFIT_COLUMNS,
            self._profit_query(partner_ids, today),
            partner_ids,
            extra={"date_computed": SQL("%s::date", today)},
        )
        Profit.invalidate_model()
        return counts

    # ------------------------------------------------------------------
    # Readers (the tier and health stages)
    # ------------------------------------------------------------------
    @api.model
    def _profit_figures(self, partner_ids, company_id):
        """{account id: stored profitability of the account in ``company_id``}
        (the accounts with a row), one query; ``discount_quarters`` only for
        an account with discount creep (else empty)."""
        if not partner_ids:
            return {}
        self.env["kam.profit"].flush_model()
        self.env.cr.execute(
            SQL(
                # (the quarters only where they tell a creep: not a JSON value to decode per account)
                """SELECT partner_id, revenue, revenue_known_cost, profit, profit_percent,
                          discount_creep, creep_quarters, CASE WHEN discount_creep THEN discount_quarters END
                     FROM kam_profit WHERE partner_id = ANY(%s) AND company_id = %s""",
                list(partner_ids),
                company_id,
            )
        )
        keys = ("revenue", "revenue_known_cost", "profit", "profit_percent", "discount_creep", "creep_quarters")
        return {
            row[0]: dict(zip(keys, row[1:7], strict=True), discount_quarters=row[7] or [])
            for row in self.env.cr.fetchall()
        }

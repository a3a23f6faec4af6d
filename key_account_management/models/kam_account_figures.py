# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import functools
from datetime import datetime, time

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL, float_round

from .kam_job import key_account_sql, members_sql

#: Figures of an account without order in the period
EMPTY_CANCELLATIONS = {"cancel_count": 0, "order_count": 0, "cancel_amount": 0.0, "cancel_share": 0.0}
EMPTY_GAPS = {"gap_count": 0, "median_gap": None, "last_order_date": False, "days_since_last_order": None}


class KamAccountFigures(models.AbstractModel):
    """One place that answers "these figures for these commercial partners
    over this window".

    Every method takes commercial partner ids and returns dictionaries keyed
    by commercial partner id, computed from one grouped query for all of
    them (never one query per partner). Orders placed by contacts count for
    their commercial partner. Tiers, plan objectives, risk signals, the
    health score, reviews and reports ask it with their own window.

    Order amounts have one formula, ``_order_amount_sql`` (the order's
    amount in its company's currency at the order's rate, as sale.report):
    the sale windows (``_sale_figures``), the monthly sales
    (``_monthly_sales_sql``, read by ``_monthly_sales`` and by the purchase
    trend ``kam.sale.trend``), the periods of plan objectives
    (``_period_sale_figures``), cancellations, the sales analysis, the
    margin and the transaction history (orders and their lines) all use
    it. Sums are converted into the currency asked for
    afterwards, at the rate of the day (``_converter``).
    """

    _name = "kam.account.figures"
    _description = "Key account figures"

    @api.model
    def _window(self, months, today=None):
        """Return (previous_start, current_start, end) as datetimes for a
        trailing window of ``months`` ending today (inclusive)."""
        today = today or fields.Date.context_today(self)
        end = self._day_end(today)
        current_start = datetime.combine(today - relativedelta(months=months), time.min) + relativedelta(days=1)
        previous_start = current_start - relativedelta(months=months)
        return previous_start, current_start, end

    @api.model
    def _day_end(self, today=None):
        """The datetime where ``today`` ends (excluded): the end of every
        window of figures ending today."""
        today = today or fields.Date.context_today(self)
        return datetime.combine(today + relativedelta(days=1), time.min)

    #: Columns of sale.order the figures read (``_flush_orders``).
    ORDER_FIELDS = ("partner_id", "state", "date_order", "amount_untaxed", "currency_rate", "company_id")

    @api.model
    def _line_product_qty_sql(self, line="sol", line_uom="lu", product_uom="pu"):
        """SQL of the quantity of the order line ``line`` in its product's
        unit of measure: in its own unit (``line_uom``, a join of uom_uom on
        ``product_uom``) converted by the factors of the two units (the
        product's unit ``product_uom``, a join on ``product_template.uom_id``);
        a unit without factor counts as 1."""
        return SQL(
            "%s.product_uom_qty / COALESCE(NULLIF(%s.factor, 0), 1.0) * COALESCE(%s.factor, 1.0)",
            SQL.identifier(line),
            SQL.identifier(line_uom),
            SQL.identifier(product_uom),
        )

    @api.model
    def _order_amount_sql(self, alias="so", column="amount_untaxed", amount_alias=None):
        """SQL of an amount of the order ``alias`` in the currency of the
        order's company, at the order's own rate: ``column / currency_rate``,
        as ``sale.report`` does (``currency_rate`` is the rate of the order's
        currency to its company's currency on the order date, computed by
        ``sale.order``; 0 or NULL counts as 1).

        The one formula of an order amount: sale windows, monthly sales,
        the purchase trend, plan objectives, cancellations, the sales
        analysis, the margin and the transaction history all use it. Amounts are summed in company
        currency; a sum is converted into another currency afterwards, at
        the rate of the day (``_converter``).

        :param alias: alias of ``sale_order`` in the query
        :param column: the amount column (``amount_untaxed``, ``margin``...)
        :param amount_alias: alias of the table holding ``column`` when it is
            not the order, e.g. an order line (``price_subtotal``), converted
            at its order's rate
        """
        return SQL(
            "%s / COALESCE(NULLIF(%s, 0), 1.0)",
            SQL.identifier(amount_alias or alias, column),
            SQL.identifier(alias, "currency_rate"),
        )

    @api.model
    def _flush_orders(self, columns=()):
        """Flush what the order figures read: the orders (``ORDER_FIELDS``
        and ``columns``), the commercial partner of their customers and the
        currency of their companies."""
        self.env["sale.order"].flush_model([*self.ORDER_FIELDS, *columns])
        self.env["res.partner"].flush_model(["commercial_partner_id", "company_id"])
        self.env["res.company"].flush_model(["currency_id"])

    @api.model
    def _empty_sale_figures(self):
        return {
            "revenue_current": 0.0,
            "revenue_previous": 0.0,
            "order_count": 0,
            "order_count_previous": 0,
            "avg_order_value": 0.0,
            "first_order_date": False,
            "last_order_date": False,
            "trend": 0.0,
        }

    @api.model
    def _sale_figures(self, partner_ids, months=12, today=None, currency_by_partner=None):
        """Sale figures of confirmed orders for commercial partners.

        :param partner_ids: commercial partner ids
        :param months: length of the trailing window; the previous window has
            the same length and ends where the current one starts
        :param currency_by_partner: {partner_id: res.currency} in which the
            revenue is expressed (default: the current company's currency).
            Each order is first taken in its company's currency at the
            order's own rate (``_order_amount_sql``, as ``sale.report``
            does), then converted when the order's company uses another
            currency.
        :return: {partner_id: dict(revenue_current, revenue_previous,
            order_count, order_count_previous, avg_order_value,
            first_order_date, last_order_date, trend)}; ``trend`` is the
            change of revenue between the windows in percent (100 when
            there was no revenue before and there is now).
        """
        return self._sale_figures_windows(partner_ids, [(months, today)], currency_by_partner)[0]

    @api.model
    def _sale_figures_windows(self, partner_ids, windows, currency_by_partner=None):
        """``_sale_figures`` of several windows at once, from one grouped
        query (one scan of the orders instead of one per window).

        :param windows: list of (months, today) as ``_sale_figures`` takes them
        :return: a list of ``_sale_figures`` results, one per window, in order
        """
        return self._order_figures(partner_ids, windows=windows, currency_by_partner=currency_by_partner)["windows"]

    @api.model
    def _order_figures(
        self, partner_ids, windows=(), cancellation_days=None, gap_months=None, today=None, currency_by_partner=None
    ):
        """The order figures of commercial partners from one scan of their
        orders: the sale windows (``_sale_figures_windows``), the
        cancellations of the last ``cancellation_days`` days
        (``_cancellation_figures``) and the rhythm of the last
        ``gap_months`` months (``_order_gap_figures``), each when asked
        (the health engine asks for the three: one scan instead of three).

        :return: dict(windows=[one result per window], cancellations=result
            or None, gaps=result or None)
        """
        today = today or fields.Date.context_today(self)
        result = {
            "windows": [{pid: self._empty_sale_figures() for pid in partner_ids} for __ in windows],
            "cancellations": (
                None if cancellation_days is None else {pid: dict(EMPTY_CANCELLATIONS) for pid in partner_ids}
            ),
            "gaps": None if gap_months is None else {pid: dict(EMPTY_GAPS) for pid in partner_ids},
        }
        if not partner_ids or not (windows or cancellation_days is not None or gap_months is not None):
            return result
        self._flush_orders()
        end = self._day_end(today)
        bounds = [self._window(months, day) for months, day in windows]
        columns = []
        for previous_start, current_start, window_end in bounds:
            in_current = SQL("o.state = 'sale' AND o.date_order >= %s AND o.date_order < %s", current_start, window_end)
            in_previous = SQL(
                "o.state = 'sale' AND o.date_order >= %s AND o.date_order < %s", previous_start, current_start
            )
            before_end = SQL("o.state = 'sale' AND o.date_order < %s", window_end)
            columns += [
                SQL("SUM(o.amount) FILTER (WHERE %s)", in_current),
                SQL("SUM(o.amount) FILTER (WHERE %s)", in_previous),
                SQL("COUNT(*) FILTER (WHERE %s)", in_current),
                SQL("COUNT(*) FILTER (WHERE %s)", in_previous),
                SQL("MIN(o.date_order) FILTER (WHERE %s)", before_end),
                SQL("MAX(o.date_order) FILTER (WHERE %s)", before_end),
            ]
        if cancellation_days is not None:
            # every order but a draft of the period: confirmed, sent quotations and cancelled
            in_period = SQL(
                "o.date_order >= %s AND o.date_order < %s", end - relativedelta(days=cancellation_days), end
            )
            cancelled = SQL("o.state = 'cancel' AND %s", in_period)
            columns += [
                SQL("COUNT(*) FILTER (WHERE %s)", cancelled),
                SQL("COUNT(*) FILTER (WHERE %s)", in_period),
                SQL("SUM(o.amount) FILTER (WHERE %s)", cancelled),
                SQL("SUM(o.amount) FILTER (WHERE %s)", in_period),
            ]
        starts = [] if cancellation_days is None else [end - relativedelta(days=cancellation_days)]
        in_gaps = SQL("FALSE")
        if gap_months is not None:
            starts.append(end - relativedelta(months=gap_months))
            # the confirmed orders of the period, each with the day of the one before (contacts included)
            in_gaps = SQL(
                "(so.state = 'sale' AND so.date_order >= %s AND so.date_order < %s)",
                end - relativedelta(months=gap_months),
                end,
            )
            columns += [
                SQL("COUNT(o.previous_day) FILTER (WHERE o.in_gaps)"),
                SQL("PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY o.day - o.previous_day) FILTER (WHERE o.in_gaps)"),
                SQL("MAX(o.day) FILTER (WHERE o.in_gaps)"),
            ]
        # the sale windows by company currency (converted afterwards), the others by account
        by_account = cancellation_days is not None or gap_months is not None
        if windows and by_account:
            groups = SQL("GROUPING SETS ((o.pid, o.currency_id), (o.pid))")
        elif windows:
            groups = SQL("o.pid, o.currency_id")
        else:
            groups = SQL("o.pid")
        # (account, company currency, 1 on the rows by account)
        keys = SQL("o.currency_id, GROUPING(o.currency_id)") if windows else SQL("NULL::int, 1")
        query = SQL(
            """
            SELECT o.pid, %(keys)s, %(columns)s
              FROM (
                    SELECT p.commercial_partner_id AS pid,
                           c.currency_id,
                           so.state,
                           so.date_order,
                           %(amount)s AS amount,
                           so.date_order::date AS day,
                           %(in_gaps)s AS in_gaps,
                           %(previous_day)s AS previous_day
                      FROM sale_order so
                      JOIN res_partner p ON p.id = so.partner_id
                      JOIN res_company c ON c.id = so.company_id
                     WHERE %(states)s
                       AND so.date_order < %(end)s
                       %(start)s
                       %(partner_filter)s
                       %(company_filter)s
                   ) AS o
          GROUP BY %(groups)s
            """,
            keys=keys,
            columns=SQL(", ").join(columns),
            amount=self._order_amount_sql(),
            in_gaps=in_gaps,
            previous_day=SQL(
                "LAG(so.date_order::date) OVER (PARTITION BY p.commercial_partner_id, %s ORDER BY so.date_order)",
                in_gaps,
            )
            if gap_months is not None
            else SQL("NULL::date"),
            states=SQL("so.state != 'draft'") if cancellation_days is not None else SQL("so.state = 'sale'"),
            end=max([window_end for __, __, window_end in bounds] + ([end] if by_account else [])),
            # (the windows read the whole history: their first and last orders)
            start=SQL("") if windows else SQL("AND so.date_order >= %s", min(starts)),
            partner_filter=self._partner_filter(partner_ids),
            company_filter=self._company_filter(),
            groups=groups,
        )
        self.env.cr.execute(query)
        rows = self.env.cr.fetchall()
        per_currency = [row for row in rows if not row[2]] if windows else []
        per_account = [row for row in rows if row[2]] if by_account else []
        self._window_results(result["windows"], windows, per_currency, currency_by_partner)
        offset = 3 + 6 * len(windows)
        for row in per_account:
            pid = row[0]
            if pid not in (result["cancellations"] or result["gaps"]):
                continue  # a large request is answered from all partners (see _partner_filter)
            values = row[offset:]
            if cancellation_days is not None:
                cancelled, count, cancel_amount, total = values[:4]
                values = values[4:]
                result["cancellations"][pid] = {
                    "cancel_count": cancelled,
                    "order_count": count,
                    "cancel_amount": float(cancel_amount or 0.0),
                    "cancel_share": round(float(cancel_amount or 0.0) * 100.0 / float(total), 1) if total else 0.0,
                }
            if gap_months is not None:
                gaps, median, last = values[:3]
                if last is not None:  # (an account with orders, but none confirmed in the period, has no rhythm)
                    result["gaps"][pid] = {
                        "gap_count": gaps,
                        "median_gap": float(median) if gaps >= 2 and median is not None else None,
                        "last_order_date": last,
                        "days_since_last_order": (today - last).days,
                    }
        return result

    @api.model
    def _window_results(self, results, windows, rows, currency_by_partner):
        """Fill ``results`` (one per window) from the grouped rows of
        ``_order_figures`` (account, company currency, grouping, then six
        columns per window): the sums converted into the account's currency,
        then rounded."""
        default_currency = self.env.company.currency_id
        converters = {today: self._converter(today) for __, today in windows}
        touched = [set() for __ in windows]  # the others keep the empty figures (zeros need no rounding)
        for row in rows:
            pid, currency_id = row[0], row[1]
            if pid not in results[0]:
                continue  # a large request is answered from all partners (see _partner_filter)
            target = (currency_by_partner or {}).get(pid) or default_currency
            for index, ((__, today), result) in enumerate(zip(windows, results, strict=True)):
                cur, prev, count, count_prev, first, last = row[3 + 6 * index : 9 + 6 * index]
                if first is None:
                    continue  # no order before the window's end (as a query of this window alone)
                convert = converters[today]
                touched[index].add(pid)
                fig = result[pid]
                fig["revenue_current"] += convert(cur, currency_id, target)
                fig["revenue_previous"] += convert(prev, currency_id, target)
                fig["order_count"] += count
                fig["order_count_previous"] += count_prev
                first, last = first.date(), last.date()
                fig["first_order_date"] = min(fig["first_order_date"] or first, first)
                fig["last_order_date"] = max(fig["last_order_date"] or last, last)
        rounders = {}
        for result, pids in zip(results, touched, strict=True):
            for pid in pids:
                fig = result[pid]
                target = (currency_by_partner or {}).get(pid) or default_currency
                if target not in rounders:
                    # float_round of res.currency.round, resolved once per currency
                    rounders[target] = functools.partial(float_round, precision_rounding=target.rounding)
                rnd = rounders[target]
                fig["revenue_current"] = rnd(fig["revenue_current"])
                fig["revenue_previous"] = rnd(fig["revenue_previous"])
                fig["avg_order_value"] = rnd(fig["revenue_current"] / fig["order_count"]) if fig["order_count"] else 0.0
                fig["trend"] = self._trend(fig["revenue_current"], fig["revenue_previous"])

    #: Above this many partners (unless ``_large_request_limit`` says
    #: more), a figures query reads the documents of all partners and keeps
    #: the requested ones in Python: for most of the accounts, PostgreSQL
    #: groups all the documents faster than it tests each against the ids.
    LARGE_REQUEST = 5000

    @api.model
    def _large_request_limit(self, count):
        """The limit of a large request (``kam_large_request`` in the context,
        see ``_partner_filter``) for a job asking the figures of ``count``
        accounts: filtered by account up to half of the key accounts, all the
        documents read above. Measured on the 100,000-account bench (sale
        windows; interactions): 10,600 accounts filtered 0.25 s against 0.8 s
        (0.05 s against 0.25 s), 50,000 0.62 s against 0.76 s, all of them
        1.15 s against 1.02 s."""
        if count <= self.LARGE_REQUEST:
            return self.LARGE_REQUEST
        self.env["res.partner"].flush_model(["kam_is_key_account", "commercial_partner_id", "active"])
        self.env.cr.execute(SQL("SELECT COUNT(*) FROM res_partner p WHERE %s", key_account_sql("p")))
        return max(self.LARGE_REQUEST, self.env.cr.fetchone()[0] // 2)

    @api.model
    def _company_filter(self, company_column="so.company_id", partner_column="p.commercial_partner_id"):
        """Documents of the account's company only: an account that belongs to
        a company gets figures from that company's orders and invoices, never
        from another company's (multi-company)."""
        return SQL(
            """AND NOT EXISTS (
                   SELECT 1 FROM res_partner kam_cp
                    WHERE kam_cp.id = %s AND kam_cp.company_id IS NOT NULL AND kam_cp.company_id != %s
               )""",
            SQL(partner_column),
            SQL(company_column),
        )

    def _partner_filter(self, partner_ids, column="p.commercial_partner_id"):
        """SQL condition restricting a figures query to ``partner_ids``
        (``AND ...``), or nothing for large requests: the caller then drops
        rows of partners not requested. A caller that knows better sets the
        limit of a large request in the context (``kam_large_request``)."""
        if len(partner_ids) > self.env.context.get("kam_large_request", self.LARGE_REQUEST):
            return SQL("")
        return SQL("AND %s = ANY(%s)", SQL(column), list(partner_ids))

    @api.model
    def _members_filter(self, partner_ids, column="so.partner_id"):
        """``AND column = ANY(partners of the accounts)`` (``members_sql``)
        for a query on the documents of at most ``LARGE_REQUEST`` accounts,
        besides its own account condition, so that PostgreSQL reads their
        documents by the documents' partner index; nothing for more accounts
        (a batch of a first run reads the window's documents once). Used
        where it was measured to pay (the profitability, the reorder radar,
        the purchase trend of a day's accounts); a query whose later steps
        follow its estimate of the documents read (the payment figures:
        nested loops for 11,000 invoices estimated as one) stays without.
        Orders only: an invoice counts for its own commercial entity
        (``account.move.commercial_partner_id``, stored), which is not
        always the commercial entity of its partner today; the
        profitability reads those by their own index."""
        if len(partner_ids) > self.LARGE_REQUEST:
            return SQL("")
        return SQL("AND %s = ANY(%s)", SQL(column), members_sql(partner_ids))

    @api.model
    def _converter(self, today=None):
        """``convert(amount, from_currency_id, to_currency)``: an amount in
        one currency (id, as grouped queries return it) in another, at the
        rate of ``today``; rates are looked up once per pair."""
        Currency = self.env["res.currency"]
        company = self.env.company
        today = today or fields.Date.context_today(self)
        rates = {}

        def convert(value, from_id, to_currency):
            if not value or from_id == to_currency.id:
                return value or 0.0
            key = (from_id, to_currency.id)
            if key not in rates:
                rates[key] = Currency._get_conversion_rate(Currency.browse(from_id), to_currency, company, today)
            return value * rates[key]

        return convert

    @api.model
    def _trend(self, current, previous):
        """Change from ``previous`` to ``current`` in percent, rounded to 0.1."""
        if previous:
            return round((current - previous) / abs(previous) * 100.0, 1)
        return 100.0 if current else 0.0

    @api.model
    def _partner_currencies(self, partners):
        """{partner_id: currency} in which a partner's figures are expressed:
        the currency of the partner's company, else of the current company."""
        default = self.env.company.currency_id
        return {p.id: (p.company_id.currency_id or default) for p in partners}

    @api.model
    def _monthly_sales(self, partner_ids, months=24, today=None, currency_by_partner=None):
        """Month by month sales of confirmed orders for commercial partners.

        The rows of ``_monthly_sales_sql`` (each order in its company's
        currency at its own rate, as in ``_sale_figures``), converted at
        today's rate when the company uses another currency than the one
        asked for. Months are calendar months of ``date_order`` (UTC), the
        last one being the current month up to today included. The purchase
        trend (``kam.sale.trend``) is built on the same rows.

        :param partner_ids: commercial partner ids
        :param months: number of months, the current one included
        :param currency_by_partner: {partner_id: res.currency} in which the
            revenue is expressed (default: the current company's currency)
        :return: {partner_id: [dict(month, revenue, order_count)]}, oldest
            month first, one entry per month (months without orders at 0);
            ``month`` is the first day of the month (a date)
        """
        today = today or fields.Date.context_today(self)
        first_month = today.replace(day=1) - relativedelta(months=months - 1)
        month_list = [first_month + relativedelta(months=i) for i in range(months)]
        sales = {pid: {month: [0.0, 0] for month in month_list} for pid in partner_ids}
        if not partner_ids:
            return {}
        self.env.cr.execute(
            self._monthly_sales_sql(
                self._partner_filter(partner_ids), datetime.combine(first_month, time.min), self._day_end(today)
            )
        )
        rows = self.env.cr.dictfetchall()
        default_currency = self.env.company.currency_id
        convert = self._converter(today)
        for row in rows:
            pid = row["partner_id"]
            if pid not in sales:
                continue  # a large request is answered from all partners (see _partner_filter)
            target = (currency_by_partner or {}).get(pid) or default_currency
            sales[pid][row["month"]][0] += convert(row["revenue"], row["currency_id"], target)
            sales[pid][row["month"]][1] += row["order_count"]
        result = {}
        for pid, by_month in sales.items():
            target = (currency_by_partner or {}).get(pid) or default_currency
            result[pid] = [
                {"month": month, "revenue": target.round(revenue), "order_count": count}
                for month, (revenue, count) in by_month.items()
            ]
        return result

    @api.model
    def _monthly_sales_sql(self, partner_filter, start, end):
        """SQL of the monthly sales of confirmed orders, the one monthly
        query of the addon (``_monthly_sales`` and the purchase trend read
        it): one row per commercial partner, order company and calendar
        month (UTC) of ``date_order``, with the columns ``partner_id``,
        ``company_id``, ``currency_id`` (of the company), ``month`` (a
        date), ``revenue`` (``_order_amount_sql`` summed: company currency
        at each order's rate), ``order_count``, ``first_order`` and
        ``last_order`` (datetimes). Orders placed by contacts count for
        their commercial partner; documents of the account's company only
        (``_company_filter``). Flushes the orders first.

        :param partner_filter: SQL condition on ``p.commercial_partner_id``
            (``_partner_filter``)
        :param start: first datetime counted, or None for all the history
        :param end: datetime excluded
        """
        self._flush_orders()
        month = SQL("date_trunc('month', so.date_order)")
        return SQL(
            """
            SELECT p.commercial_partner_id AS partner_id,
                   so.company_id AS company_id,
                   c.currency_id AS currency_id,
                   %(month)s::date AS month,
                   SUM(%(amount)s) AS revenue,
                   COUNT(*) AS order_count,
                   MIN(so.date_order) AS first_order,
                   MAX(so.date_order) AS last_order
              FROM sale_order so
              JOIN res_partner p ON p.id = so.partner_id
              JOIN res_company c ON c.id = so.company_id
             WHERE so.state = 'sale'
               AND so.date_order < %(end)s
               %(start)s
               %(partner_filter)s
               %(company_filter)s
          GROUP BY p.commercial_partner_id, so.company_id, c.currency_id, %(month)s
            """,
            month=month,
            amount=self._order_amount_sql(),
            end=end,
            start=SQL("AND so.date_order >= %s", start) if start else SQL(""),
            partner_filter=partner_filter,
            company_filter=self._company_filter(),
        )

    @api.model
    def _period_sale_figures(self, periods, amounts=None, currency_by_key=None, today=None, categories=None):
        """Sales of confirmed orders of accounts, each over a period of its
        own (plan objectives), in one grouped query.

        :param periods: [(key, partner_id, start, end)]: any hashable key
            given back in the result, a commercial partner id, datetimes
            (``end`` excluded)
        :param amounts: {name: sale_order column} summed as amounts
            (``_order_amount_sql``: company currency at each order's rate);
            default ``{"revenue": "amount_untaxed"}``
        :param currency_by_key: {key: res.currency} in which the amounts are
            expressed (default: the current company's currency); a company
            of another currency is converted at today's rate, as in
            ``_sale_figures``
        :param categories: {key: product.category}: the sales of these
            periods are those of the order lines of products of the category
            or of its subcategories (the same column of the order line, e.g.
            ``price_subtotal`` for ``amount_untaxed``, see
            ``LINE_AMOUNT_COLUMNS``; the orders counted are those with such
            a line)
        :return: {key: dict(order_count, **{name: amount rounded to the
            currency})} for the periods with orders
        """
        if not periods:
            return {}
        amounts = {"revenue": "amount_untaxed"} if amounts is None else amounts
        categories = categories or {}
        self._flush_orders(list(amounts.values()))
        by_order = [period for period in periods if not categories.get(period[0])]
        by_line = [period for period in periods if categories.get(period[0])]
        rows = []
        if by_order:
            keys, values = self._period_values(by_order)
            self.env.cr.execute(
                SQL(
                    """
                    SELECT v.position, c.currency_id, COUNT(so.id) %(sums)s
                      FROM (VALUES %(values)s) AS v(position, partner_id, date_from, date_to)
                      JOIN res_partner p ON p.commercial_partner_id = v.partner_id
                      JOIN sale_order so ON so.partner_id = p.id AND so.state = 'sale'
                       AND so.date_order >= v.date_from AND so.date_order < v.date_to
                      JOIN res_company c ON c.id = so.company_id
                     WHERE TRUE %(company_filter)s
                  GROUP BY v.position, c.currency_id
                    """,
                    sums=SQL("").join(SQL(", SUM(%s)", self._order_amount_sql("so", col)) for col in amounts.values()),
                    values=values,
                    company_filter=self._company_filter(partner_column="v.partner_id"),
                )
            )
            rows += [(keys[position], *row) for position, *row in self.env.cr.fetchall()]
        if by_line:
            line_columns = [self.LINE_AMOUNT_COLUMNS.get(column, column) for column in amounts.values()]
            self.env["sale.order.line"].flush_model(
                ["order_id", "product_id", "display_type", "is_downpayment", *line_columns]
            )
            self.env["product.product"].flush_model(["product_tmpl_id"])
            self.env["product.template"].flush_model(["categ_id"])
            self.env["product.category"].flush_model(["parent_path"])
            keys, values = self._period_values(by_line)
            paths = SQL(", ").join(
                SQL("(%s, %s)", position, categories[key].parent_path) for position, key in enumerate(keys)
            )
            self.env.cr.execute(
                SQL(
                    """
                    SELECT v.position, c.currency_id, COUNT(DISTINCT so.id) %(sums)s
                      FROM (VALUES %(values)s) AS v(position, partner_id, date_from, date_to)
                      JOIN (VALUES %(paths)s) AS cat(position, parent_path) ON cat.position = v.position
                      JOIN res_partner p ON p.commercial_partner_id = v.partner_id
                      JOIN sale_order so ON so.partner_id = p.id AND so.state = 'sale'
                       AND so.date_order >= v.date_from AND so.date_order < v.date_to
                      JOIN sale_order_line sol ON sol.order_id = so.id AND sol.display_type IS NULL
                       AND NOT COALESCE(sol.is_downpayment, FALSE)
                      JOIN product_product pp ON pp.id = sol.product_id
                      JOIN product_template pt ON pt.id = pp.product_tmpl_id
                      JOIN product_category pc ON pc.id = pt.categ_id AND starts_with(pc.parent_path, cat.parent_path)
                      JOIN res_company c ON c.id = so.company_id
                     WHERE TRUE %(company_filter)s
                  GROUP BY v.position, c.currency_id
                    """,
                    sums=SQL("").join(
                        SQL(", SUM(%s)", self._order_amount_sql("so", column, amount_alias="sol"))
                        for column in line_columns
                    ),
                    values=values,
                    paths=paths,
                    company_filter=self._company_filter(partner_column="v.partner_id"),
                )
            )
            rows += [(keys[position], *row) for position, *row in self.env.cr.fetchall()]
        default_currency = self.env.company.currency_id
        convert = self._converter(today)
        result = {}
        for key, currency_id, count, *sums in rows:
            target = (currency_by_key or {}).get(key) or default_currency
            figures = result.setdefault(key, {"order_count": 0, **dict.fromkeys(amounts, 0.0)})
            figures["order_count"] += count
            for name, value in zip(amounts, sums, strict=True):
                figures[name] += convert(float(value or 0.0), currency_id, target)
        for key, figures in result.items():
            target = (currency_by_key or {}).get(key) or default_currency
            for name in amounts:
                figures[name] = target.round(figures[name])
        return result

    #: The column of an order line that sums to an order's column, when
    #: their names differ (a category's sales are measured on the lines)
    LINE_AMOUNT_COLUMNS = {"amount_untaxed": "price_subtotal"}

    @api.model
    def _period_values(self, periods):
        """(keys, SQL ``VALUES`` rows ``(position, partner_id, date_from,
        date_to)``) of ``periods`` (see ``_period_sale_figures``): the query
        sees the position of a period, ``keys[position]`` is its key (any
        hashable, e.g. an unsaved record)."""
        keys = [key for key, *__ in periods]
        values = SQL(", ").join(
            SQL("(%s, %s, %s::timestamp, %s::timestamp)", position, pid, start, end)
            for position, (__, pid, start, end) in enumerate(periods)
        )
        return keys, values

    @api.model
    def _period_interaction_figures(self, periods):
        """Done interactions of accounts, each over a period of its own (plan
        objectives), in one grouped query.

        :param periods: as in ``_period_sale_figures``
        :return: {key: dict(interaction_count, avg_satisfaction)} for the
            periods with interactions; the satisfaction averages the rated
            interactions (0 is "not rated")
        """
        if not periods:
            return {}
        self.env["kam.interaction"].flush_model(["partner_id", "state", "date", "satisfaction"])
        keys, values = self._period_values(periods)
        self.env.cr.execute(
            SQL(
                """
                SELECT v.position, COUNT(i.id), AVG(NULLIF(i.satisfaction, 0))
                  FROM (VALUES %s) AS v(position, partner_id, date_from, date_to)
                  JOIN kam_interaction i ON i.partner_id = v.partner_id AND i.state = 'done'
                   AND i.date >= v.date_from AND i.date < v.date_to
              GROUP BY v.position
                """,
                values,
            )
        )
        return {
            keys[position]: {"interaction_count": count, "avg_satisfaction": float(avg or 0.0)}
            for position, count, avg in self.env.cr.fetchall()
        }

    # ------------------------------------------------------------------
    # Risk figures (receivables, payments, cancellations, order gaps)
    # ------------------------------------------------------------------
    @api.model
    def _receivable_figures(self, partner_ids, grace_days=0, today=None):
        """Overdue receivables of commercial partners, one grouped query.

        Posted customer invoices and credit notes (``out_invoice``,
        ``out_refund``) whose due date is more than ``grace_days`` days
        before ``today`` and that still have an amount to pay. The amount is
        ``amount_residual_signed``: in the invoice's company currency, credit
        notes counting negative.

        :return: {partner_id: dict(overdue_amount, overdue_count,
            oldest_overdue_days)}; ``oldest_overdue_days`` counts from the
            due date of the oldest overdue invoice (grace included), 0 when
            nothing is overdue
        """
        result = {pid: {"overdue_amount": 0.0, "overdue_count": 0, "oldest_overdue_days": 0} for pid in partner_ids}
        if not partner_ids:
            return result
        today = today or fields.Date.context_today(self)
        self.env["account.move"].flush_model(
            ["commercial_partner_id", "move_type", "state", "invoice_date_due", "amount_residual_signed"]
        )
        limit = today - relativedelta(days=grace_days)
        self.env.cr.execute(
            SQL(
                """
                SELECT am.commercial_partner_id,
                       SUM(am.amount_residual_signed),
                       COUNT(*) FILTER (WHERE am.move_type = 'out_invoice'),
                       MIN(am.invoice_date_due) FILTER (WHERE am.move_type = 'out_invoice')
                  FROM account_move am
                 WHERE am.move_type IN ('out_invoice', 'out_refund')
                   AND am.state = 'posted'
                   AND am.amount_residual_signed != 0
                   AND am.invoice_date_due < %(limit)s
                   %(partner_filter)s
                   %(company_filter)s
              GROUP BY am.commercial_partner_id
                """,
                limit=limit,
                partner_filter=self._partner_filter(partner_ids, "am.commercial_partner_id"),
                company_filter=self._company_filter("am.company_id", "am.commercial_partner_id"),
            )
        )
        for pid, amount, count, oldest in self.env.cr.fetchall():
            if pid not in result:
                continue
            result[pid] = {
                "overdue_amount": max(amount or 0.0, 0.0),
                "overdue_count": count,
                "oldest_overdue_days": (today - oldest).days if oldest else 0,
            }
        return result

    @api.model
    def _payment_figures(self, partner_ids, months=12, grace_days=0, today=None):
        """Payment behaviour of commercial partners, one grouped query.

        Posted customer invoices (``out_invoice``) due within the trailing
        window of ``months`` and already due today. The date an invoice was
        paid is the latest ``max_date`` of the reconciliations of its
        receivable lines, once nothing is left to pay. An invoice is late
        when it was paid more than ``grace_days`` days after its due date, or
        is still unpaid that long after it (then it is late "up to today").

        :return: {partner_id: dict(invoice_count, late_count, late_share,
            avg_days_late)}; ``late_share`` in percent of the invoices,
            ``avg_days_late`` over the late invoices
        """
        empty = {"invoice_count": 0, "late_count": 0, "late_share": 0.0, "avg_days_late": 0.0}
        result = {pid: dict(empty) for pid in partner_ids}
        if not partner_ids:
            return result
        today = today or fields.Date.context_today(self)
        start = today - relativedelta(months=months)
        self.env["account.move"].flush_model(
            ["commercial_partner_id", "move_type", "state", "invoice_date_due", "amount_residual"]
        )
        self.env["account.move.line"].flush_model(["move_id", "account_id"])
        self.env["account.account"].flush_model(["account_type"])
        self.env["account.partial.reconcile"].flush_model(["debit_move_id", "max_date"])
        self.env.cr.execute(
            SQL(
                """
                WITH inv AS (
                    SELECT am.id,
                           am.commercial_partner_id AS pid,
                           am.invoice_date_due AS due,
                           am.amount_residual = 0 AS settled
                      FROM account_move am
                     WHERE am.move_type = 'out_invoice'
                       AND am.state = 'posted'
                       AND am.invoice_date_due >= %(start)s
                       AND am.invoice_date_due < %(today)s
                       %(partner_filter)s
                       %(company_filter)s
                ), paid AS (
                    SELECT aml.move_id, MAX(apr.max_date) AS paid
                      FROM inv
                      JOIN account_move_line aml ON aml.move_id = inv.id
                      JOIN account_account aa ON aa.id = aml.account_id AND aa.account_type = 'asset_receivable'
                      JOIN account_partial_reconcile apr ON apr.debit_move_id = aml.id
                     WHERE inv.settled
                  GROUP BY aml.move_id
                ), days AS (
                    SELECT inv.pid,
                           COALESCE(CASE WHEN inv.settled THEN paid.paid END, %(today)s) - inv.due AS late_days
                      FROM inv
                 LEFT JOIN paid ON paid.move_id = inv.id
                )
                SELECT pid,
                       COUNT(*),
                       COUNT(*) FILTER (WHERE late_days > %(grace)s),
                       AVG(late_days) FILTER (WHERE late_days > %(grace)s)
                  FROM days
              GROUP BY pid
                """,
                start=start,
                today=today,
                grace=grace_days,
                partner_filter=self._partner_filter(partner_ids, "am.commercial_partner_id"),
                company_filter=self._company_filter("am.company_id", "am.commercial_partner_id"),
            )
        )
        for pid, count, late, avg_late in self.env.cr.fetchall():
            if pid not in result:
                continue
            result[pid] = {
                "invoice_count": count,
                "late_count": late,
                "late_share": round(late * 100.0 / count, 1) if count else 0.0,
                "avg_days_late": round(float(avg_late or 0.0), 1),
            }
        return result

    @api.model
    def _cancellation_figures(self, partner_ids, days=90, today=None):
        """Cancelled sale orders of commercial partners over the last
        ``days`` days (by order date), one grouped query.

        Shares are taken against all non-draft orders of the period
        (confirmed, sent quotations and cancelled), amounts untaxed in the
        order's company currency at the order's rate (``_order_amount_sql``).

        :return: {partner_id: dict(cancel_count, order_count, cancel_amount,
            cancel_share)}; ``cancel_share`` is the cancelled amount in
            percent of the amount of all these orders
        """
        return self._order_figures(partner_ids, cancellation_days=days, today=today)["cancellations"]

    @api.model
    def _order_gap_figures(self, partner_ids, months=24, today=None):
        """Rhythm of confirmed orders of commercial partners over the last
        ``months`` months, one query (window function, then grouped).

        The gaps are the days between consecutive orders of the account
        (contacts included, several orders the same day count as one gap of
        0 days).

        :return: {partner_id: dict(gap_count, median_gap, last_order_date,
            days_since_last_order)}; ``median_gap`` is None with fewer than
            two gaps (the account has no rhythm of its own yet)
        """
        return self._order_figures(partner_ids, gap_months=months, today=today)["gaps"]

    # ------------------------------------------------------------------
    # Interaction figures
    # ------------------------------------------------------------------
    @api.model
    def _interaction_figures(self, ids):
        """{account id: interaction figures} in one grouped query: last
        contact (done interactions), done interactions and their average
        satisfaction (rated ones) over the trailing window, open
        complaints. Accounts without interaction are left out. The keys are
        the stored fields of res.partner (INTERACTION_FIGURE_COLUMNS)."""
        months = self.env.company.kam_trailing_months
        since = datetime.combine(fields.Date.context_today(self) - relativedelta(months=months), time.min)
        self.env["kam.interaction"].flush_model(
            ["partner_id", "state", "date", "satisfaction", "channel", "resolution_state"]
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT partner_id,
                       MAX(date) FILTER (WHERE state = 'done'),
                       COUNT(*) FILTER (WHERE state = 'done' AND date >= %(since)s),
                       AVG(satisfaction) FILTER (WHERE state = 'done' AND date >= %(since)s AND satisfaction > 0),
                       COUNT(*) FILTER (WHERE channel = 'complaint' AND state != 'cancelled'
                                          AND resolution_state = 'open')
                  FROM kam_interaction p
                 WHERE TRUE %(partner_filter)s
              GROUP BY partner_id
                """,
                since=since,
                partner_filter=self._partner_filter(ids, "p.partner_id"),
            )
        )
        return {
            pid: {
                "kam_last_interaction_date": last,
                "kam_interaction_count": count,
                "kam_avg_satisfaction": round(float(satisfaction or 0.0), 1),
                "kam_open_complaint_count": complaints,
            }
            for pid, last, count, satisfaction, complaints in self.env.cr.fetchall()
        }


#: stored interaction figures of an account (res.partner) and their SQL types
INTERACTION_FIGURE_COLUMNS = {
    "kam_last_interaction_date": "timestamp",
    "kam_interaction_count": "int4",
    "kam_avg_satisfaction": "float8",
    "kam_open_complaint_count": "int4",
}
#: the interaction figures of an account without interaction
EMPTY_INTERACTION_FIGURES = {
    "kam_last_interaction_date": None,
    "kam_interaction_count": 0,
    "kam_avg_satisfaction": 0.0,
    "kam_open_complaint_count": 0,
}

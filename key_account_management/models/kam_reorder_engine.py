# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import functools

from odoo import api, fields, models, tools
from odoo.tools import SQL, format_date

from .kam_job import CHANGE_MARGIN, FULL_RUN_DAYS

#: Accounts learnt per statement.
REORDER_BATCH_SIZE = 5000

#: Days ahead of its expected date that a regular order counts as due.
DUE_AHEAD_DAYS = 7

#: The day on which a row's state next changes by days passing alone, on
#: ``kam_reorder`` as ``r``: a regular row becomes due ``DUE_AHEAD_DAYS``
#: before its expected date, a due row late the day after its tolerance; a
#: late row (or a row not dated yet) changes only when its rhythm is learnt
#: again. Indexed (``init``) for the daily dating.
NEXT_CHANGE_SQL = (
    f"(CASE r.state WHEN 'regular' THEN r.expected_date - {int(DUE_AHEAD_DAYS)}"
    " WHEN 'due' THEN r.expected_date + COALESCE(r.tolerance_days, 0) + 1 END)"
)

#: Columns the rhythm refresh writes (besides the key partner, company, product).
LEARNT_COLUMNS = [
    "kam_manager_id",
    "order_count",
    "median_interval_days",
    "spread_days",
    "usual_qty",
    "last_order_date",
    "expected_date",
]


class KamReorderEngine(models.AbstractModel):
    """Pipeline stage ``reorder_radar``: learns the rhythm of the products
    each key account buys regularly (kam.reorder), then dates each row
    against today (due, late) and warns the owner of the orders that became
    late (an activity raised once per row and expected date, routed by the
    key ``reorder``: the owner of Sales Follow-up, else the manager)."""

    _name = "kam.reorder.engine"
    _description = "Key account reorder radar"

    def init(self):
        res = super().init()
        cr = self.env.cr
        # the daily dating reads the rows written since the last run and those whose state changes today
        tools.create_index(cr, "kam_reorder_write_date_index", "kam_reorder", ["write_date"])
        tools.create_index(
            cr,
            f"kam_reorder_next_change_{DUE_AHEAD_DAYS}_index",
            "kam_reorder",
            [NEXT_CHANGE_SQL.replace("r.", "")],
            where="state IN ('regular', 'due')",
        )
        return res

    @api.model
    def _cron_kam_reorder_radar(self):
        return self._run()

    @api.model
    def _run(self, batch_size=None, full=False, today=None):
        """Daily: the rows of the accounts whose orders changed since the last
        run (every key account on the first run, once a week, with ``full``
        or when a company's settings changed), then the state of every row
        from today's date (one UPDATE), then the warnings."""
        Job = self.env["kam.job"]
        cr = self.env.cr
        started = cr.now()
        today = today or fields.Date.context_today(self)
        last_run = None if full else Job._last_run("reorder", full_every_days=FULL_RUN_DAYS)
        changed, products = self._changed_since(last_run) if last_run else (None, None)
        self.env["res.partner"].flush_model(["kam_is_key_account", "commercial_partner_id", "active"])
        self.env["kam.reorder"].flush_model()
        ids = Job._accounts_to_refresh("kam_reorder", changed)
        self.env["kam.reorder"].invalidate_model()

        def learn_reorders(batch):
            self._learn(batch.ids, today=today, products=products)

        result = Job._run_in_batches(ids, learn_reorders, batch_size=batch_size or REORDER_BATCH_SIZE)
        if result.running_elsewhere:
            return result
        # (after a full run, every row: a company's minimum lateness may have changed)
        became_late = self._date_rows(today, since=None if changed is None else last_run - CHANGE_MARGIN)
        self._warn_late(became_late)
        Job._set_last_run("reorder", started, full=changed is None)
        return result

    @api.model
    def _changed_since(self, last_run):
        """(accounts, products) whose rows may have changed since ``last_run``
        (the start of the last run), or (None, None) when every account's may
        have (a company's settings changed):

        * ``accounts``: ids of the commercial partners written since (the
          account or a contact: its manager, marked or not, archived, moved)
          or whose orders were (confirmed, cancelled, dates, lines);
        * ``products``: {account id: product ids} of the accounts changed by
          their orders only: the products of the lines of those orders, the
          only rhythms their change can move (the others are learnt again by
          the weekly full run, as the orders leaving the window).
        """
        self.env.flush_all()
        since = last_run - CHANGE_MARGIN
        if self.env["kam.job"]._written_since(["res_company"], since):
            return None, None
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                SELECT p.commercial_partner_id, NULL::int[] FROM res_partner p WHERE p.write_date >= %(since)s
                 UNION ALL
                SELECT p.commercial_partner_id,
                       COALESCE(ARRAY_AGG(DISTINCT sol.product_id) FILTER (WHERE sol.product_id IS NOT NULL), '{}')
                  FROM sale_order so
                  JOIN res_partner p ON p.id = so.partner_id
             LEFT JOIN sale_order_line sol ON sol.order_id = so.id
                 WHERE so.write_date >= %(since)s
              GROUP BY p.commercial_partner_id
                """,
                since=since,
            )
        )
        products = {}
        everything = set()
        for account_id, product_ids in cr.fetchall():
            if not account_id:
                continue
            if product_ids is None:
                everything.add(account_id)
            else:
                products.setdefault(account_id, set()).update(product_ids)
        for account_id in everything:
            products[account_id] = None
        return list(products), products

    # ------------------------------------------------------------------
    # Rhythm: one statement per batch of accounts
    # ------------------------------------------------------------------
    @api.model
    def _rhythm_query(self, partner_ids, today, scope=None):
        """SQL of the learnt rows of these accounts: per (account, company,
        product), the days it was ordered (confirmed orders of the account
        and its contacts, within the company's trailing window up to today),
        with at least the company's minimum of order days. ``scope``: an SQL
        condition on ``p.commercial_partner_id`` and ``sol.product_id`` (the
        rows to learn again, see :meth:`_learn`)."""
        end = self.env["kam.account.figures"]._day_end(today)
        return SQL(
            """
            WITH days AS (
                SELECT p.commercial_partner_id AS partner_id, so.company_id, sol.product_id,
                       (so.date_order AT TIME ZONE 'UTC')::date AS day,
                       MIN(c.kam_reorder_min_orders) AS min_orders,
                       -- in the product's unit (the unit of the quotation lines)
                       SUM(%(qty)s) AS qty
                  FROM sale_order so
                  JOIN res_partner p ON p.id = so.partner_id
                  JOIN res_company c ON c.id = so.company_id
                  JOIN sale_order_line sol ON sol.order_id = so.id
                  JOIN product_product pp ON pp.id = sol.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
             LEFT JOIN uom_uom lu ON lu.id = sol.product_uom
             LEFT JOIN uom_uom pu ON pu.id = pt.uom_id
                 WHERE so.state = 'sale'
                   AND p.commercial_partner_id = ANY(%(ids)s)
                   %(orders_of)s
                   AND so.date_order < %(end)s
                   AND so.date_order >= %(end)s - make_interval(months => COALESCE(c.kam_reorder_months, 24))
                   AND sol.display_type IS NULL
                   AND sol.product_id IS NOT NULL
                   -- (a quantity of NaN or infinity, written around the ORM, is no quantity)
                   AND sol.product_uom_qty > 0 AND sol.product_uom_qty < 1e15
                   AND %(scope)s
                   %(company_filter)s
              GROUP BY 1, 2, 3, 4
            ),
            gaps AS (
                SELECT d.*, d.day - LAG(d.day) OVER (PARTITION BY d.partner_id, d.company_id, d.product_id
                                                     ORDER BY d.day) AS gap
                  FROM days d
            ),
            stats AS (
                SELECT partner_id, company_id, product_id,
                       COUNT(*) AS order_count,
                       MAX(day) AS last_day,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS median_gap,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY qty) AS usual_qty
                  FROM gaps
              GROUP BY partner_id, company_id, product_id
                HAVING COUNT(*) >= MIN(min_orders)
            ),
            -- (the spread from the stats: a join of both on the planner's guess of a few rows was a
            -- nested loop, a third of the statement)
            spread AS (
                SELECT s.partner_id, s.company_id, s.product_id, s.order_count, s.last_day, s.median_gap,
                       s.usual_qty,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY ABS(g.gap - s.median_gap)) AS mad
                  FROM stats s
                  LEFT JOIN gaps g ON g.partner_id = s.partner_id AND g.company_id = s.company_id
                                  AND g.product_id = s.product_id AND g.gap IS NOT NULL
              GROUP BY s.partner_id, s.company_id, s.product_id, s.order_count, s.last_day, s.median_gap,
                       s.usual_qty
            )
            SELECT s.partner_id, s.company_id, s.product_id,
                   a.kam_manager_id,
                   s.order_count::int AS order_count,
                   ROUND(s.median_gap::numeric, 1)::float8 AS median_interval_days,
                   ROUND(COALESCE(s.mad, 0)::numeric, 1)::float8 AS spread_days,
                   ROUND(s.usual_qty::numeric, 3)::float8 AS usual_qty,
                   s.last_day AS last_order_date,
                   s.last_day + ROUND(s.median_gap)::int AS expected_date
              FROM spread s
              JOIN res_partner a ON a.id = s.partner_id
            """,
            ids=list(partner_ids),
            orders_of=self.env["kam.account.figures"]._members_filter(partner_ids),
            end=end,
            qty=self.env["kam.account.figures"]._line_product_qty_sql("sol", "lu", "pu"),
            scope=scope or SQL("TRUE"),
            company_filter=self.env["kam.account.figures"]._company_filter(),
        )

    @api.model
    def _learn(self, partner_ids, today=None, products=None):
        """Write the learnt rows of these accounts: insert the new ones,
        update only those whose values changed, delete the products no
        longer bought regularly. One statement.

        ``products``: {account id: product ids, or None for all} (see
        :meth:`_changed_since`): only these products of an account listed
        there are learnt again; all the products of the others.

        :return: (updated, inserted, deleted) row counts
        """
        if not partner_ids:
            return (0, 0, 0)
        today = today or fields.Date.context_today(self)
        self.env["res.partner"].flush_model(["kam_manager_id", "commercial_partner_id"])
        self.env["res.company"].flush_model(["kam_reorder_min_orders", "kam_reorder_months"])
        self.env["sale.order"].flush_model(["state", "partner_id", "company_id", "date_order"])
        self.env["sale.order.line"].flush_model(
            ["order_id", "product_id", "product_uom_qty", "product_uom", "display_type"]
        )
        Reorder = self.env["kam.reorder"]
        Reorder.flush_model()
        pairs = [
            (pid, product_id)
            for pid in partner_ids
            if (products or {}).get(pid) is not None
            for product_id in products[pid]
        ]
        if pairs:
            some = {pid for pid, __ in pairs}
            whole = [pid for pid in partner_ids if pid not in some]

            def scope(account, product):
                return SQL(
                    "(%s = ANY(%s) OR (%s, %s) IN (SELECT * FROM unnest(%s::int[], %s::int[])))",
                    SQL(account),
                    whole,
                    SQL(account),
                    SQL(product),
                    [pid for pid, __ in pairs],
                    [product_id for __, product_id in pairs],
                )

            learnt, deleted = scope("p.commercial_partner_id", "sol.product_id"), scope("r.partner_id", "r.product_id")
        else:
            learnt = deleted = SQL("TRUE")
        counts = self.env["kam.job"]._upsert_rows(
            "kam_reorder",
            ["partner_id", "company_id", "product_id"],
            LEARNT_COLUMNS,
            self._rhythm_query(partner_ids, today, scope=learnt),
            partner_ids,
            scope=deleted,
        )
        Reorder.invalidate_model()
        return counts

    # ------------------------------------------------------------------
    # Dates: the state moves with today, one UPDATE of the dated columns
    # ------------------------------------------------------------------
    @api.model
    def _date_rows(self, today=None, since=None):
        """Tolerance and state of the rows on ``today``, written only where
        they changed (the days late are computed when read). Returns the (id, partner, manager, product,
        expected date) of the rows that became late, to warn: not those
        found late by more than a whole interval on their first dating (a
        product the account stopped buying long ago, on the first run or
        when its rhythm is first learnt, shows as late but warns nobody).

        With ``since``, only the rows whose state can have changed: those
        learnt (written) since then, those not dated yet, and those whose
        next change (``NEXT_CHANGE_SQL``) has come (days passing move a row
        from regular to due to late, never back: only a new rhythm, or a
        company's minimum lateness, does, and a change of the latter makes a
        full run), each set read by its index, then updated by their ids
        (a join of the few rows to date with the table scanned it whole).
        Without, every row."""
        today = today or fields.Date.context_today(self)
        self.env["res.company"].flush_model(["kam_reorder_min_late_days"])
        self.env["kam.reorder"].flush_model()
        scope = SQL("TRUE")
        if since is not None:
            self.env.cr.execute(
                SQL(
                    """SELECT r.id FROM kam_reorder r
                        WHERE r.write_date >= %s OR r.state IS NULL OR (r.state IN ('regular', 'due') AND %s <= %s)""",
                    since,
                    SQL(NEXT_CHANGE_SQL),
                    today,
                )
            )
            ids = [row[0] for row in self.env.cr.fetchall()]
            if not ids:
                return []
            scope = SQL("r.id = ANY(%s)", ids)
        tolerance = SQL("GREATEST(CEIL(COALESCE(r.spread_days, 0)), COALESCE(c.kam_reorder_min_late_days, 7))::int")
        late_days = SQL("GREATEST(%s::date - r.expected_date, 0)", today)
        state = SQL(
            """CASE WHEN %(late_days)s > %(tolerance)s THEN 'late'
                    WHEN r.expected_date <= %(today)s::date + %(ahead)s THEN 'due'
                    ELSE 'regular' END""",
            late_days=late_days,
            tolerance=tolerance,
            today=today,
            ahead=DUE_AHEAD_DAYS,
        )
        # one scan of the rows to date (a join of the table with itself, for the state before, scanned
        # it twice: the planner reads a few thousand ids of a list sequentially); the state before is
        # read for the rows written only, by a subquery of RETURNING, which sees the rows as they were
        # when the statement began (PostgreSQL: a statement does not see its own changes; a change
        # committed by another transaction meanwhile is not seen either, as with the join: the job
        # holds its lock; PostgreSQL 18 says it as RETURNING old.state)
        self.env.cr.execute(
            SQL(
                """
                UPDATE kam_reorder r
                   SET tolerance_days = %(tolerance)s, state = %(state)s,
                       write_uid = %(uid)s, write_date = %(now)s
                  FROM res_company c
                 WHERE c.id = r.company_id AND %(scope)s
                   AND (r.tolerance_days, r.state) IS DISTINCT FROM (%(tolerance)s, %(state)s)
             RETURNING r.id, r.partner_id, r.kam_manager_id, r.product_id, r.expected_date,
                       r.state = 'late'
                       AND (SELECT before.state FROM kam_reorder before WHERE before.id = r.id)
                           IS DISTINCT FROM 'late'
                       AND %(late_days)s <= COALESCE(r.median_interval_days, 0) + r.tolerance_days AS became_late
                """,
                tolerance=tolerance,
                state=state,
                late_days=late_days,
                scope=scope,
                uid=self.env.uid,
                now=fields.Datetime.now(),
            )
        )
        rows = self.env.cr.fetchall()
        self.env["kam.reorder"].invalidate_model()
        return [row[:5] for row in rows if row[5]]

    @api.model
    def _warn_late(self, rows):
        """One activity per late row and expected date, for the owner of the
        key ``reorder`` (routing), else the account's manager; in the
        reader's language."""
        if not rows:
            return self.env["mail.activity"]
        owners = self.env["kam.routing"]._route([(pid, "reorder", manager) for __, pid, manager, __, __ in rows])

        def summary(env, product_id, expected):
            product = env["product.product"].browse(product_id)
            return env._(
                "Regular order of %(product)s expected on %(date)s has not come",
                product=product.display_name,
                date=format_date(env, expected),
            )

        requests = [
            (
                pid,
                f"reorder:{rid}:{expected}",
                owner,
                functools.partial(summary, product_id=product_id, expected=expected),
                "",
                False,
            )
            for (rid, pid, __, product_id, expected), owner in zip(rows, owners, strict=True)
        ]
        return self.env["kam.activity"]._raise_once(requests, include_done=True)

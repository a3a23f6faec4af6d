# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import functools

from odoo import api, fields, models
from odoo.tools import SQL, format_date

from .kam_job import FULL_RUN_DAYS, key_account_sql

#: Accounts learnt per statement.
REORDER_BATCH_SIZE = 5000

#: Days ahead of its expected date that a regular order counts as due.
DUE_AHEAD_DAYS = 7

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
        changed = self.env["kam.sale.trend"]._changed_since(last_run) if last_run else None
        self.env["res.partner"].flush_model(["kam_is_key_account", "commercial_partner_id", "active"])
        self.env["kam.reorder"].flush_model()
        if changed is None:
            cr.execute(
                SQL(
                    "DELETE FROM kam_reorder r USING res_partner p"
                    " WHERE p.id = r.partner_id AND NOT COALESCE((%s), FALSE)",
                    key_account_sql("p"),
                )
            )
            cr.execute(SQL("SELECT p.id FROM res_partner p WHERE %s ORDER BY p.id", key_account_sql("p")))
        else:
            cr.execute(
                SQL(
                    """DELETE FROM kam_reorder r
                        WHERE r.partner_id = ANY(ARRAY(
                              SELECT p.id FROM res_partner p WHERE p.id = ANY(%s) AND NOT COALESCE((%s), FALSE)))""",
                    changed,
                    key_account_sql("p"),
                )
            )
            cr.execute(
                SQL(
                    "SELECT p.id FROM res_partner p WHERE p.id = ANY(%s) AND %s ORDER BY p.id",
                    changed,
                    key_account_sql("p"),
                )
            )
        ids = [row[0] for row in cr.fetchall()]
        self.env["kam.reorder"].invalidate_model()

        def learn_reorders(batch):
            self._learn(batch.ids, today=today)

        result = Job._run_in_batches(ids, learn_reorders, batch_size=batch_size or REORDER_BATCH_SIZE)
        if result.running_elsewhere:
            return result
        became_late = self._date_rows(today)
        self._warn_late(became_late)
        Job._set_last_run("reorder", started, full=changed is None)
        return result

    # ------------------------------------------------------------------
    # Rhythm: one statement per batch of accounts
    # ------------------------------------------------------------------
    @api.model
    def _rhythm_query(self, partner_ids, today):
        """SQL of the learnt rows of these accounts: per (account, company,
        product), the days it was ordered (confirmed orders of the account
        and its contacts, within the company's trailing window up to today),
        with at least the company's minimum of order days."""
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
                   AND so.date_order < %(end)s
                   AND so.date_order >= %(end)s - make_interval(months => COALESCE(c.kam_reorder_months, 24))
                   AND sol.display_type IS NULL
                   AND sol.product_id IS NOT NULL
                   -- (a quantity of NaN or infinity, written around the ORM, is no quantity)
                   AND sol.product_uom_qty > 0 AND sol.product_uom_qty < 1e15
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
            end=end,
            qty=self.env["kam.account.figures"]._line_product_qty_sql("sol", "lu", "pu"),
            company_filter=self.env["kam.account.figures"]._company_filter(),
        )

    @api.model
    def _learn(self, partner_ids, today=None):
        """Write the learnt rows of these accounts: insert the new ones,
        update only those whose values changed, delete the products no
        longer bought regularly. One statement.

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
        columns = [SQL.identifier(name) for name in LEARNT_COLUMNS]
        key = SQL("r.partner_id = n.partner_id AND r.company_id = n.company_id AND r.product_id = n.product_id")
        now = fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                """
                WITH n AS MATERIALIZED (%(new)s),
                written AS (
                    INSERT INTO kam_reorder (partner_id, company_id, product_id, %(columns)s,
                                             create_uid, create_date, write_uid, write_date)
                    SELECT n.partner_id, n.company_id, n.product_id, %(new_columns)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM n
                  ORDER BY n.partner_id, n.company_id, n.product_id
                    ON CONFLICT (partner_id, company_id, product_id) DO UPDATE
                       SET (%(columns)s, write_uid, write_date) =
                           (%(excluded)s, EXCLUDED.write_uid, EXCLUDED.write_date)
                     WHERE (%(old_columns)s) IS DISTINCT FROM (%(excluded)s)
                 RETURNING (xmax = 0) AS inserted
                ),
                deleted AS (
                    DELETE FROM kam_reorder r
                     WHERE r.partner_id = ANY(%(ids)s)
                       AND NOT EXISTS (SELECT 1 FROM n WHERE %(key)s)
                 RETURNING r.id
                )
                SELECT (SELECT COUNT(*) FROM written WHERE NOT inserted),
                       (SELECT COUNT(*) FROM written WHERE inserted),
                       (SELECT COUNT(*) FROM deleted)
                """,
                new=self._rhythm_query(partner_ids, today),
                columns=SQL(", ").join(columns),
                new_columns=SQL(", ").join(SQL("n.%s", column) for column in columns),
                excluded=SQL(", ").join(SQL("EXCLUDED.%s", column) for column in columns),
                old_columns=SQL(", ").join(SQL("kam_reorder.%s", column) for column in columns),
                key=key,
                ids=list(partner_ids),
                uid=self.env.uid,
                now=now,
            )
        )
        counts = self.env.cr.fetchone()
        Reorder.invalidate_model()
        return counts

    # ------------------------------------------------------------------
    # Dates: the state moves with today, one UPDATE of the dated columns
    # ------------------------------------------------------------------
    @api.model
    def _date_rows(self, today=None):
        """Tolerance and state of every row on ``today``, written only where
        they changed (the days late are computed when read). Returns the (id, partner, manager, product,
        expected date) of the rows that became late, to warn: not those
        found late by more than a whole interval on their first dating (a
        product the account stopped buying long ago, on the first run or
        when its rhythm is first learnt, shows as late but warns nobody)."""
        today = today or fields.Date.context_today(self)
        self.env["res.company"].flush_model(["kam_reorder_min_late_days"])
        self.env["kam.reorder"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                WITH d AS (
                    SELECT r.id,
                           GREATEST(CEIL(COALESCE(r.spread_days, 0)), COALESCE(c.kam_reorder_min_late_days, 7))::int
                               AS tolerance_days,
                           GREATEST(%(today)s::date - r.expected_date, 0) AS late_days
                      FROM kam_reorder r
                      JOIN res_company c ON c.id = r.company_id
                ),
                n AS (
                    SELECT d.id, d.tolerance_days, d.late_days, r.state AS old_state,
                           CASE WHEN d.late_days > d.tolerance_days THEN 'late'
                                WHEN r.expected_date <= %(today)s::date + %(ahead)s THEN 'due'
                                ELSE 'regular' END AS state
                      FROM d JOIN kam_reorder r ON r.id = d.id
                )
                UPDATE kam_reorder r
                   SET tolerance_days = n.tolerance_days, state = n.state,
                       write_uid = %(uid)s, write_date = %(now)s
                  FROM n
                 WHERE n.id = r.id
                   AND (r.tolerance_days, r.state) IS DISTINCT FROM (n.tolerance_days, n.state)
             RETURNING r.id, r.partner_id, r.kam_manager_id, r.product_id, r.expected_date,
                       n.state = 'late' AND n.old_state IS DISTINCT FROM 'late'
                       AND n.late_days <= COALESCE(r.median_interval_days, 0) + n.tolerance_days AS became_late
                """,
                today=today,
                ahead=DUE_AHEAD_DAYS,
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

#!/usr/bin/env python3
"""Benchmark of the daily key-account job against the single-SQL floor.

Builds its own data in a dedicated database (default ``kam_bench_<N>``): N key
account companies, 1.5 N contacts, 4 N sale orders over 24 months (20 % in a
second currency, 10 % cancelled, 38 % placed by contacts), inserted by SQL
from a template row made with the ORM. Then, side by side in one run:

* floor: one SQL ``GROUP BY`` over ``sale_order`` computing, for every
  commercial partner, the trailing and previous 12-month revenue in company
  currency, order count, first and last order (as in ../shared/PERFORMANCE.md);
* first run: the complete daily job (``res.partner._cron_kam_recompute_tiers``:
  figures, tier decision, history, chatter notes, writes, commits between
  batches) when every account changes (no figures, no tier yet);
* daily run: the same job the next day, after 1 % of the accounts got a new
  order (the usual case: few accounts change); the job is incremental, it
  looks at the accounts whose orders changed since its last run.

Prints the times and the ratio job / floor. Usage (from the repository root,
after ``make setup``)::

    .venv/bin/python bench/bench_tier_job.py --accounts 10000
    .venv/bin/python bench/bench_tier_job.py --accounts 100000
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ODOO_SRC = os.environ.get("ODOO_SRC", os.path.expanduser("~/src/odoo-18.0"))
sys.path.insert(0, ODOO_SRC)

import odoo  # noqa: E402
from odoo import SUPERUSER_ID, api  # noqa: E402
from odoo.tools import SQL  # noqa: E402

FLOOR_SQL = """
    SELECT p.commercial_partner_id,
           SUM(so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1.0))
               FILTER (WHERE so.date_order >= now() - interval '12 months'),
           SUM(so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1.0))
               FILTER (WHERE so.date_order < now() - interval '12 months'
                         AND so.date_order >= now() - interval '24 months'),
           COUNT(*) FILTER (WHERE so.date_order >= now() - interval '12 months'),
           MIN(so.date_order), MAX(so.date_order)
      FROM sale_order so
      JOIN res_partner p ON p.id = so.partner_id
     WHERE so.state = 'sale'
  GROUP BY p.commercial_partner_id
"""


def log(msg):
    print(f"[bench] {msg}", flush=True)


def db_exists(db):
    out = subprocess.run(
        ["psql", "-d", "postgres", "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{db}'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.strip() == "1"


def ensure_database(db):
    if db_exists(db):
        return
    log(f"creating database {db} with key_account_management (no demo data)")
    subprocess.run(
        [
            sys.executable,
            os.path.join(ODOO_SRC, "odoo-bin"),
            "-c",
            os.path.join(ROOT, ".odoo.conf"),
            "-d",
            db,
            "-i",
            "key_account_management",
            "--without-demo=all",
            "--stop-after-init",
            "--log-level=warn",
            "--http-port=0",
            "--max-cron-threads=0",
        ],
        check=True,
    )


def insert_copies(cr, table, template_id, count, overrides, source=None):
    """INSERT ``count`` copies of row ``template_id`` of ``table``, with
    ``overrides`` {column: SQL expression over g (1..count) and t (template)}.
    ``source``, an SQL row source aliased ``g``, replaces ``generate_series(1,
    count) g``: one copy per row of it. Overrides of columns the table does not
    have (fields of a module not installed) are left out."""
    cr.execute(
        SQL("SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name != 'id'", table)
    )
    columns = [c for (c,) in cr.fetchall()]
    select = [SQL(overrides[c]) if c in overrides else SQL("t.%s", SQL.identifier(c)) for c in columns]
    cr.execute(
        SQL(
            "INSERT INTO %s (%s) SELECT %s FROM %s t, %s WHERE t.id = %s",
            SQL.identifier(table),
            SQL(", ").join(SQL.identifier(c) for c in columns),
            SQL(", ").join(select),
            SQL.identifier(table),
            source or SQL("generate_series(1, %s) g", count),
            template_id,
        )
    )


def build_data(env, accounts, lines_per_order=0):
    """Accounts, contacts and orders (see the module docstring); with
    ``lines_per_order``, that many order lines per order, sharing its amount.
    Works with or without key_account_management installed: without it, the
    companies are plain customers (the kam_* overrides are left out)."""
    cr = env.cr
    cr.execute("SELECT count(*) FROM res_partner WHERE ref = 'BENCH-ACCOUNT'")
    if cr.fetchone()[0] == accounts:
        log(f"data for {accounts} accounts already there")
        return
    log(
        f"building data: {accounts} accounts, {accounts * 3 // 2} contacts, {accounts * 4} orders, "
        f"{accounts * 4 * lines_per_order} order lines"
    )
    t0 = time.time()
    cr.execute("SELECT count(*) FROM res_partner WHERE ref = 'BENCH-ACCOUNT'")
    if cr.fetchone()[0]:
        sys.exit(f"{env.cr.dbname} holds bench data for another size: drop it (dropdb {env.cr.dbname}) first")
    company = env.company
    other = env.ref("base.EUR")
    other.active = True
    env["res.currency.rate"].create({"currency_id": other.id, "name": "2015-01-01", "rate": 0.9})
    pricelist_other = env["product.pricelist"].create({"name": "Bench EUR", "currency_id": other.id})
    template_partner = env["res.partner"].create({"name": "Bench template", "is_company": True})
    product = env["product.product"].create({"name": "Bench product", "list_price": 10})
    template_order = env["sale.order"].create(
        {
            "partner_id": template_partner.id,
            "client_order_ref": "BENCH",
            "order_line": [(0, 0, {"product_id": product.id, "price_unit": 10})],
        }
    )
    env.flush_all()
    insert_copies(
        cr,
        "res_partner",
        template_partner.id,
        accounts,
        {
            "name": "'Bench account ' || g",
            "ref": "'BENCH-ACCOUNT'",
            "kam_is_key_account": "true",
            "kam_potential": "(g %% 101)",
            "kam_manager_id": str(SUPERUSER_ID),
        },
    )
    cr.execute("UPDATE res_partner SET commercial_partner_id = id WHERE ref = 'BENCH-ACCOUNT'")
    cr.execute(
        "CREATE TEMP TABLE bench_company AS"
        " SELECT row_number() OVER (ORDER BY id) AS rn, id FROM res_partner WHERE ref = 'BENCH-ACCOUNT'"
    )
    cr.execute("CREATE INDEX ON bench_company (rn)")
    insert_copies(
        cr,
        "res_partner",
        template_partner.id,
        accounts * 3 // 2,
        {
            "name": "'Bench contact ' || g",
            "ref": "'BENCH-CONTACT'",
            "is_company": "false",
            "parent_id": f"(SELECT id FROM bench_company WHERE rn = 1 + (g::bigint * 7919) %% {accounts})",
        },
    )
    cr.execute("UPDATE res_partner SET commercial_partner_id = parent_id WHERE ref = 'BENCH-CONTACT'")
    # buyers: 62 % of orders by companies, 38 % by contacts
    cr.execute("""CREATE TEMP TABLE bench_contact AS
                  SELECT row_number() OVER (ORDER BY id) AS rn, id FROM res_partner WHERE ref = 'BENCH-CONTACT'""")
    cr.execute("CREATE INDEX ON bench_contact (rn)")
    contacts = accounts * 3 // 2
    orders = accounts * 4
    cr.execute("SELECT setseed(0.42)")
    insert_copies(
        cr,
        "sale_order",
        template_order.id,
        orders,
        {
            "name": "'BENCH/' || g",
            "partner_id": f"""CASE WHEN g %% 100 < 38
                              THEN (SELECT id FROM bench_contact
                                    WHERE rn = 1 + (g::bigint * 104729) %% {contacts})
                              ELSE (SELECT id FROM bench_company
                                    WHERE rn = 1 + (g::bigint * 7919) %% {accounts}) END""",
            "partner_invoice_id": "t.partner_invoice_id",
            "state": "CASE WHEN g %% 10 = 0 THEN 'cancel' ELSE 'sale' END",
            "date_order": "now() - (random() * interval '730 days')",
            "amount_untaxed": "round((100 + random() * 20000)::numeric, 2)",
            "amount_total": "round((100 + random() * 20000)::numeric, 2)",
            "currency_rate": "CASE WHEN g %% 5 = 0 THEN 0.9 ELSE 1.0 END",
            "currency_id": f"CASE WHEN g %% 5 = 0 THEN {other.id} ELSE {company.currency_id.id} END",
            "pricelist_id": f"CASE WHEN g %% 5 = 0 THEN {pricelist_other.id} ELSE t.pricelist_id END",
            "client_order_ref": "'BENCH'",
        },
    )
    if lines_per_order:
        # the template line copied lines_per_order times per order, each line
        # an equal share of the order's untaxed amount, in the order's currency
        share = f"round(g.amount_untaxed / {lines_per_order}, 2)"
        insert_copies(
            cr,
            "sale_order_line",
            template_order.order_line.id,
            orders * lines_per_order,
            {
                "order_id": "g.id",
                "order_partner_id": "g.partner_id",
                "currency_id": "g.currency_id",
                "state": "g.state",
                "sequence": "g.k",
                "price_unit": share,
                "price_subtotal": share,
                "price_total": share,
                "price_tax": "0.0",
                "price_reduce_taxexcl": share,
                "price_reduce_taxinc": share,
                "create_date": "g.date_order",
                "write_date": "g.date_order",
            },
            source=SQL(
                """(SELECT so.id, so.partner_id, so.currency_id, so.state, so.amount_untaxed, so.date_order, k
                      FROM sale_order so, generate_series(1, %s) k
                     WHERE so.client_order_ref = 'BENCH' AND so.id != %s) g""",
                lines_per_order,
                template_order.id,
            ),
        )
    cr.execute("DELETE FROM sale_order WHERE id = %s", [template_order.id])
    cr.execute(
        "UPDATE sale_order SET partner_invoice_id = partner_id, partner_shipping_id = partner_id"
        " WHERE client_order_ref = 'BENCH'"
    )
    cr.execute("DELETE FROM res_partner WHERE id = %s", [template_partner.id])
    cr.execute("ANALYZE res_partner; ANALYZE sale_order; ANALYZE sale_order_line")
    cr.commit()
    log(f"data built in {time.time() - t0:.1f}s")


def reset_job_state(env):
    cr = env.cr
    cr.execute("""UPDATE res_partner SET kam_tier_id = NULL, kam_revenue_current = NULL, kam_revenue_previous = NULL,
                  kam_order_count = NULL, kam_avg_order_value = NULL, kam_first_order_date = NULL,
                  kam_last_order_date = NULL, kam_revenue_trend = NULL
                  WHERE ref IN ('BENCH-ACCOUNT', 'BENCH-CONTACT')""")
    cr.execute("DELETE FROM kam_tier_history")
    # the next run is a first (full) run
    cr.execute("DELETE FROM ir_config_parameter WHERE key LIKE 'key_account_management.last%%'")
    cr.execute("DELETE FROM mail_message WHERE model = 'res.partner' AND body::text LIKE '%%Tier%%'")
    cr.commit()
    env.invalidate_all()


def timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=10000)
    parser.add_argument("--db", help="database (default kam_bench_<accounts>)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the floor query (median)")
    args = parser.parse_args()
    args.db = args.db or f"kam_bench_{args.accounts}"
    odoo.tools.config.parse_config(["-c", os.path.join(ROOT, ".odoo.conf"), "--log-level=warn"])
    ensure_database(args.db)
    registry = odoo.modules.registry.Registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        build_data(env, args.accounts)
        # run the job as the scheduler does: with a progress record in the
        # context, so that it commits between batches
        cron = env.ref("key_account_management.ir_cron_kam_recompute_tiers")
        progress = env["ir.cron.progress"].create({"cron_id": cron.id, "remaining": 0, "done": 0})
        Partner = env["res.partner"].with_context(ir_cron_progress_id=progress.id)
        floors = [timed(lambda: cr.execute(FLOOR_SQL) or cr.fetchall()) for __ in range(args.repeat)]
        floor = statistics.median(floors)
        log(f"floor: one SQL GROUP BY over sale_order: {floor:.2f}s (median of {args.repeat})")

        reset_job_state(env)
        first = timed(lambda: Partner._cron_kam_recompute_tiers())
        cr.execute("SELECT count(*) FROM kam_tier_history")
        changed = cr.fetchone()[0]
        log(f"first run (every account changes: {changed} tier changes): {first:.2f}s, {first / floor:.1f}x floor")

        # next day: the first run happened yesterday, on data written before it (the incremental
        # run looks an hour before its last run), and 1 % of the accounts get a new order
        for table in ("res_partner", "sale_order", "kam_interaction", "kam_tier", "res_company"):
            cr.execute(f"UPDATE {table} SET write_date = write_date - interval '2 days'")  # noqa: S608
        cr.execute(
            """UPDATE ir_config_parameter
                  SET value = to_char(value::timestamp - interval '1 day', 'YYYY-MM-DD HH24:MI:SS')
                WHERE key LIKE 'key_account_management.last%%run.tiers'"""
        )
        cr.execute(
            """UPDATE sale_order SET date_order = now() - interval '1 hour', amount_untaxed = amount_untaxed + 1,
                                     write_date = now()
                      WHERE id IN (SELECT id FROM sale_order WHERE client_order_ref = 'BENCH' AND state = 'sale'
                                   ORDER BY id LIMIT %s)""",
            [max(args.accounts // 100, 1)],
        )
        cr.commit()
        env.invalidate_all()
        daily = timed(lambda: Partner._cron_kam_recompute_tiers())
        log(f"daily run (1 % of accounts with new orders): {daily:.2f}s, {daily / floor:.1f}x floor")
        print(
            f"RESULT accounts={args.accounts} floor={floor:.2f}s first_run={first:.2f}s "
            f"({first / floor:.1f}x) daily_run={daily:.2f}s ({daily / floor:.1f}x)"
        )


if __name__ == "__main__":
    main()

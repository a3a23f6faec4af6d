#!/usr/bin/env python3
"""Benchmark of the daily health and risk job against the single-SQL floor.

Builds its data in a dedicated database (default ``kam_bench_health_<N>``):
the accounts, contacts and orders of ``bench_tier_job.py`` (its own data
generation, imported), plus 2 N posted customer invoices inserted by SQL from
a template invoice made with the ORM: due over the last 11 months, 70 % paid
(from 10 days early to 30 days late, with their receivable line and
reconciliation), 30 % still open (overdue). Then, in one run:

* floor: the single SQL ``GROUP BY`` over ``sale_order`` of bench_tier_job;
* first run: the complete health job (``res.partner._cron_kam_health``: sale,
  receivable, payment, cancellation and order-gap figures, signals opened,
  scores, snapshots, activities, partner columns, commits between batches)
  when nothing was computed yet;
* daily run: the same job the next day (the first run happened yesterday),
  after 1 % of the accounts got a new order: incremental, it looks at the
  accounts whose data changed, whose windows moved over a dated event and
  whose check date came;
* full run: the same job with ``full=True`` (weekly, on request).

Prints the times and the ratio job / floor. Usage (from the repository root)::

    .venv/bin/python bench/bench_health_job.py --accounts 10000
    .venv/bin/python bench/bench_health_job.py --accounts 100000
"""

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_tier_job import (  # noqa: E402
    FLOOR_SQL,
    ROOT,
    build_data,
    ensure_database,
    insert_copies,
    log,
    timed,
)

import odoo  # noqa: E402
from odoo import SUPERUSER_ID, Command, api, fields  # noqa: E402


def build_invoices(env, accounts):
    cr = env.cr
    cr.execute("SELECT count(*) FROM account_move WHERE ref = 'BENCH-INV'")
    if cr.fetchone()[0]:
        log("invoices already there")
        return
    invoices = accounts * 2
    log(f"building {invoices} invoices (70 % paid, some late; 30 % open)")
    t0 = time.time()
    today = fields.Date.context_today(env["res.partner"])
    cr.execute("SELECT id FROM res_partner WHERE ref = 'BENCH-ACCOUNT' ORDER BY id LIMIT 1")
    partner = env["res.partner"].browse(cr.fetchone()[0])
    product = env["product.product"].create({"name": "Bench invoice product", "list_price": 10})
    template = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": today,
            "invoice_date_due": today,
            "ref": "BENCH-TEMPLATE",
            "invoice_line_ids": [
                Command.create({"product_id": product.id, "price_unit": 1000.0, "tax_ids": [Command.clear()]})
            ],
        }
    )
    template.action_post()
    env["account.payment.register"].with_context(active_model="account.move", active_ids=template.ids).create(
        {"payment_date": today}
    )._create_payments()
    env.flush_all()
    cr.execute(
        """SELECT aml.id, apr.id FROM account_move_line aml
             JOIN account_account aa ON aa.id = aml.account_id AND aa.account_type = 'asset_receivable'
             JOIN account_partial_reconcile apr ON apr.debit_move_id = aml.id
            WHERE aml.move_id = %s""",
        [template.id],
    )
    line_id, partial_id = cr.fetchone()
    cr.execute(
        "CREATE TEMP TABLE bench_account AS"
        " SELECT row_number() OVER (ORDER BY id) AS rn, id FROM res_partner WHERE ref = 'BENCH-ACCOUNT'"
    )
    cr.execute("CREATE INDEX ON bench_account (rn)")
    due = "(CURRENT_DATE - (5 + (g * 37) %% 330))"
    paid = "(g %% 10 < 7)"
    insert_copies(
        cr,
        "account_move",
        template.id,
        invoices,
        {
            "name": "'BENCH/INV/' || g",
            "ref": "'BENCH-INV'",
            "partner_id": f"(SELECT id FROM bench_account WHERE rn = 1 + (g::bigint * 7919) %% {accounts})",
            "commercial_partner_id": f"(SELECT id FROM bench_account WHERE rn = 1 + (g::bigint * 7919) %% {accounts})",
            "invoice_date": f"{due} - 30",
            "date": f"{due} - 30",
            "invoice_date_due": due,
            "amount_residual": f"CASE WHEN {paid} THEN 0 ELSE t.amount_total END",
            "amount_residual_signed": f"CASE WHEN {paid} THEN 0 ELSE t.amount_total_signed END",
            "payment_state": f"CASE WHEN {paid} THEN 'paid' ELSE 'not_paid' END",
        },
    )
    cr.execute(
        """CREATE TEMP TABLE bench_paid AS
           SELECT row_number() OVER (ORDER BY id) AS rn, id, invoice_date_due
             FROM account_move WHERE ref = 'BENCH-INV' AND payment_state = 'paid'"""
    )
    cr.execute("CREATE INDEX ON bench_paid (rn)")
    cr.execute("SELECT count(*) FROM bench_paid")
    paid_count = cr.fetchone()[0]
    insert_copies(cr, "account_move_line", line_id, paid_count, {"move_id": "(SELECT id FROM bench_paid WHERE rn = g)"})
    cr.execute(
        """CREATE TEMP TABLE bench_paid_line AS
           SELECT row_number() OVER (ORDER BY aml.move_id) AS rn, aml.id
             FROM account_move_line aml JOIN bench_paid b ON b.id = aml.move_id"""
    )
    cr.execute("CREATE INDEX ON bench_paid_line (rn)")
    insert_copies(
        cr,
        "account_partial_reconcile",
        partial_id,
        paid_count,
        {
            "debit_move_id": "(SELECT id FROM bench_paid_line WHERE rn = g)",
            # from 10 days early to 30 days late
            "max_date": "(SELECT invoice_date_due FROM bench_paid WHERE rn = g) + ((g * 13) %% 41) - 10",
        },
    )
    cr.execute("ANALYZE account_move; ANALYZE account_move_line; ANALYZE account_partial_reconcile")
    cr.commit()
    log(f"invoices built in {time.time() - t0:.1f}s ({paid_count} paid)")


def reset_health(env):
    cr = env.cr
    cr.execute("DELETE FROM kam_risk_signal")
    cr.execute("DELETE FROM kam_health_snapshot")
    cr.execute("DELETE FROM mail_activity WHERE kam_reason LIKE 'risk:%%'")
    cr.execute(
        """UPDATE res_partner SET kam_health_score = NULL, kam_health_band = NULL, kam_risk_level = NULL,
                  kam_health_trend = NULL, kam_health_date = NULL, kam_health_check_date = NULL
            WHERE kam_health_date IS NOT NULL"""
    )
    # the next run is a first (full) run
    cr.execute("DELETE FROM ir_config_parameter WHERE key LIKE 'key_account_management.last%%run.health'")
    cr.commit()
    env.invalidate_all()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=10000)
    parser.add_argument("--db", help="database (default kam_bench_health_<accounts>)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the floor query (median)")
    args = parser.parse_args()
    args.db = args.db or f"kam_bench_health_{args.accounts}"
    odoo.tools.config.parse_config(["-c", os.path.join(ROOT, ".odoo.conf"), "--log-level=warn"])
    ensure_database(args.db)
    registry = odoo.modules.registry.Registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        build_data(env, args.accounts)
        build_invoices(env, args.accounts)
        cron = env.ref("key_account_management.ir_cron_kam_health")
        progress = env["ir.cron.progress"].create({"cron_id": cron.id, "remaining": 0, "done": 0})
        Partner = env["res.partner"].with_context(ir_cron_progress_id=progress.id)
        floors = [timed(lambda: cr.execute(FLOOR_SQL) or cr.fetchall()) for __ in range(args.repeat)]
        floor = statistics.median(floors)
        log(f"floor: one SQL GROUP BY over sale_order: {floor:.2f}s (median of {args.repeat})")

        reset_health(env)
        first = timed(lambda: Partner._cron_kam_health())
        cr.execute("SELECT count(*) FROM kam_risk_signal")
        signals = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM mail_activity WHERE kam_reason LIKE 'risk:%%'")
        activities = cr.fetchone()[0]
        log(
            f"first run ({signals} signals, {activities} activities, a snapshot per account): "
            f"{first:.2f}s, {first / floor:.1f}x floor"
        )
        # next day: the first run happened yesterday, on data written before it (the job looks an
        # hour before its last run), and 1 % of the accounts get a new order
        for table in ("res_partner", "sale_order", "account_move", "kam_interaction", "kam_tier", "res_company"):
            cr.execute(f"UPDATE {table} SET write_date = write_date - interval '2 days'")  # noqa: S608
        cr.execute(
            """UPDATE ir_config_parameter
                  SET value = to_char(value::timestamp - interval '1 day', 'YYYY-MM-DD HH24:MI:SS')
                WHERE key LIKE 'key_account_management.last%%run.health'"""
        )
        cr.execute("UPDATE res_partner SET kam_health_check_date = kam_health_check_date - 1")
        cr.execute("UPDATE kam_health_snapshot SET date = date - 1")
        cr.execute("UPDATE kam_risk_signal SET first_seen = first_seen - 1, last_seen = last_seen - 1")
        cr.execute(
            """UPDATE sale_order SET date_order = now() - interval '1 hour', amount_untaxed = amount_untaxed + 1,
                                     write_date = now()
                      WHERE id IN (SELECT id FROM sale_order WHERE client_order_ref = 'BENCH' AND state = 'sale'
                                   ORDER BY id LIMIT %s)""",
            [max(args.accounts // 100, 1)],
        )
        cr.commit()
        env.invalidate_all()
        result = None

        def daily_run():
            nonlocal result
            result = Partner._cron_kam_health()

        daily = timed(daily_run)
        log(
            f"daily run, next day (1 % of accounts with new orders; {result.done} accounts looked at): "
            f"{daily:.2f}s, {daily / floor:.1f}x floor"
        )
        env.invalidate_all()
        full = timed(lambda: Partner._cron_kam_health(full=True))
        log(f"full run (weekly, on request: every account, signals followed): {full:.2f}s, {full / floor:.1f}x floor")
        print(
            f"RESULT accounts={args.accounts} floor={floor:.2f}s first_run={first:.2f}s "
            f"({first / floor:.1f}x) daily_run={daily:.2f}s ({daily / floor:.1f}x) full_run={full:.2f}s "
            f"({full / floor:.1f}x)"
        )


if __name__ == "__main__":
    main()

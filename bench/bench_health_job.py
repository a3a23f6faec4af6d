#!/usr/bin/env python3
"""Benchmark of the daily health and risk job against the single-SQL floor.

Builds its data in a dedicated database (default ``kam_bench_health_<N>``):
the accounts, contacts and orders of ``bench_tier_job.py`` (``common.build_data``),
plus 2 N posted customer invoices inserted by SQL from a template invoice made
with the ORM (``common.build_invoices``): due over the last 11 months, 70 % paid
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
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import (  # noqa: E402
    build_data,
    build_invoices,
    cron_context,
    ensure_database,
    log,
    measure_floor,
    next_day,
    open_env,
    timed,
    touch_orders,
)


def reset_health(env):
    cr = env.cr
    cr.execute("DELETE FROM kam_risk_signal")
    cr.execute("DELETE FROM kam_health_snapshot")
    cr.execute("DELETE FROM kam_health_check")
    cr.execute("DELETE FROM mail_activity WHERE kam_reason LIKE 'risk:%%'")
    cr.execute(
        """UPDATE res_partner SET kam_health_score = NULL, kam_health_band = NULL, kam_risk_level = NULL,
                  kam_health_trend = NULL
            WHERE kam_health_band IS NOT NULL"""
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
    ensure_database(args.db)
    with open_env(args.db) as env:
        cr = env.cr
        build_data(env, args.accounts)
        build_invoices(env, args.accounts)
        Partner = cron_context(env, "res.partner", "key_account_management.ir_cron_kam_health")
        floor = measure_floor(cr, args.repeat)
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
        next_day(cr)
        touch_orders(cr, args.accounts // 100)
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

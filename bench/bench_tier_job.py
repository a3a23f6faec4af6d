#!/usr/bin/env python3
"""Benchmark of the daily key-account job against the single-SQL floor.

Builds its own data in a dedicated database (default ``kam_bench_<N>``): N key
account companies, 1.5 N contacts, 4 N sale orders over 24 months (20 % in a
second currency, 10 % cancelled, 38 % placed by contacts), inserted by SQL
from a template row made with the ORM (``common.build_data``). Then, side by
side in one run:

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
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import (  # noqa: E402
    build_data,
    cron_context,
    ensure_database,
    log,
    measure_floor,
    next_day,
    open_env,
    timed,
    touch_orders,
)


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=10000)
    parser.add_argument("--db", help="database (default kam_bench_<accounts>)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the floor query (median)")
    args = parser.parse_args()
    args.db = args.db or f"kam_bench_{args.accounts}"
    ensure_database(args.db)
    with open_env(args.db) as env:
        cr = env.cr
        build_data(env, args.accounts)
        # run the job as the scheduler does: with a progress record in the
        # context, so that it commits between batches
        Partner = cron_context(env, "res.partner", "key_account_management.ir_cron_kam_recompute_tiers")
        floor = measure_floor(cr, args.repeat)
        log(f"floor: one SQL GROUP BY over sale_order: {floor:.2f}s (median of {args.repeat})")

        reset_job_state(env)
        first = timed(lambda: Partner._cron_kam_recompute_tiers())
        cr.execute("SELECT count(*) FROM kam_tier_history")
        changed = cr.fetchone()[0]
        log(f"first run (every account changes: {changed} tier changes): {first:.2f}s, {first / floor:.1f}x floor")

        # next day: the first run happened yesterday, on data written before it (the incremental
        # run looks an hour before its last run), and 1 % of the accounts get a new order
        next_day(cr)
        touch_orders(cr, args.accounts // 100)
        env.invalidate_all()
        daily = timed(lambda: Partner._cron_kam_recompute_tiers())
        log(f"daily run (1 % of accounts with new orders): {daily:.2f}s, {daily / floor:.1f}x floor")
        print(
            f"RESULT accounts={args.accounts} floor={floor:.2f}s first_run={first:.2f}s "
            f"({first / floor:.1f}x) daily_run={daily:.2f}s ({daily / floor:.1f}x)"
        )


if __name__ == "__main__":
    main()

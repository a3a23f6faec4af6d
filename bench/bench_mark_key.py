#!/usr/bin/env python3
"""Benchmark: marking N customers as key accounts through the ORM.

Uses the data of ``bench_tier_job.py`` (``common.build_data``, same database, default
``kam_bench_<N>``: N companies with contacts and 24 months of orders). The
companies are first unmarked (plain customers, no tier, no figures), then
marked in one go, as a user does with *Action > Mark as Key Account* on a
list or an import does: ``res.partner.write({"kam_is_key_account": True})``
on all of them. That write gives them their figures and first tier (tier
history and chatter included) and proposes their responsibilities. Timed in
one transaction, rolled back at the end (the data stay for the next run).

    .venv/bin/python bench/bench_mark_key.py --accounts 10000
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import build_data, ensure_database, log, open_env  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=10000)
    parser.add_argument("--db", help="database (default kam_bench_<accounts>)")
    args = parser.parse_args()
    args.db = args.db or f"kam_bench_{args.accounts}"
    ensure_database(args.db)
    with open_env(args.db) as env:
        cr = env.cr
        build_data(env, args.accounts)
        cr.commit()
        try:
            cr.execute(
                """UPDATE res_partner SET kam_is_key_account = FALSE, kam_tier_id = NULL,
                          kam_revenue_current = NULL, kam_order_count = NULL
                    WHERE ref IN ('BENCH-ACCOUNT', 'BENCH-CONTACT')"""
            )
            cr.execute("DELETE FROM kam_tier_history")
            cr.execute("DELETE FROM kam_responsibility")
            env.invalidate_all()
            manager = env.ref("base.user_admin")
            accounts = env["res.partner"].search([("ref", "=", "BENCH-ACCOUNT")])
            log(f"marking {len(accounts)} companies as key accounts in one write")
            start = time.perf_counter()
            accounts.with_user(manager).write({"kam_is_key_account": True, "kam_manager_id": manager.id})
            env.flush_all()
            elapsed = time.perf_counter() - start
            tiered = len(accounts.filtered("kam_tier_id"))
            log(f"marked in {elapsed:.2f}s ({tiered} got a tier)")
            print(f"RESULT accounts={len(accounts)} mark_key={elapsed:.2f}s tiered={tiered}")
        finally:
            cr.rollback()


if __name__ == "__main__":
    main()

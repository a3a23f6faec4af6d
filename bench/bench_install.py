#!/usr/bin/env python3
"""Benchmark of installing key_account_management on a large database.

Builds, once, a base database (default ``kam_bench_install_<N>_base``) with
sale_management, crm, contacts, account and base_import installed (no demo
data) and the data of ``bench_tier_job.py`` (``common.build_data``): N
customer companies, 1.5 N contacts, 4 N sale orders over 24 months (20 % in a
second currency, 10 % cancelled, 38 % placed by contacts) with 5 lines each,
inserted by SQL. sale_margin is not installed.

Each run copies the base database (``createdb -T``) to the bench database
(default ``kam_bench_install_<N>``) and times::

    odoo-bin -c .odoo.conf -d <db> -i key_account_management --stop-after-init

under Odoo's default limits (``limit_memory_hard`` 2.5 GB: Odoo sets it as the
address-space limit of the process, --stop-after-init included). Reports the
wall time, the peak resident memory (``ru_maxrss``) and the peak virtual size
(``VmPeak``, what the hard limit is checked against), the modules installed on
the way, and fails when odoo-bin fails, logs an ERROR or CRITICAL line, or
leaves the module uninstalled. Usage (from the repository root, after
``make setup``)::

    .venv/bin/python bench/bench_install.py --accounts 100000      # 100k / 2M lines
    .venv/bin/python bench/bench_install.py --accounts 100000 --modules key_account_management_margin
"""

import argparse
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import ROOT, build_data, db_exists, log, odoo_cmd, open_env, psql, setup_odoo  # noqa: E402

import odoo  # noqa: E402

BASE_MODULES = "sale_management,crm,contacts,account,base_import"
LINES_PER_ORDER = 5
DEFAULT_HARD_LIMIT = 2560 * 1024 * 1024  # odoo/tools/config.py, --limit-memory-hard


def ensure_base(base, accounts):
    if not db_exists(base):
        log(f"creating {base} with {BASE_MODULES} (no demo data)")
        subprocess.run(odoo_cmd(base, "-i", BASE_MODULES, "--without-demo=all", "--log-level=warn"), check=True)
    installed = psql(base, "SELECT name FROM ir_module_module WHERE state = 'installed'").split()
    for module in ("key_account_management", "sale_margin"):
        if module in installed:
            sys.exit(f"{base} has {module} installed: drop it (dropdb {base}) and run again")
    with open_env(base) as env:
        build_data(env, accounts, lines_per_order=LINES_PER_ORDER)
    odoo.sql_db.close_db(base)
    counts = psql(
        base,
        """SELECT (SELECT count(*) FROM res_partner WHERE ref = 'BENCH-ACCOUNT'),
                  (SELECT count(*) FROM res_partner WHERE ref = 'BENCH-CONTACT'),
                  (SELECT count(*) FROM sale_order),
                  (SELECT count(*) FROM sale_order_line),
                  (SELECT count(*) FROM sale_order WHERE state = 'cancel'),
                  (SELECT count(*) FROM sale_order WHERE currency_rate != 1),
                  (SELECT pg_size_pretty(pg_database_size(current_database())))""",
    )
    keys = ("companies", "contacts", "orders", "lines", "cancelled", "second_currency", "size")
    return dict(zip(keys, counts.split("|"), strict=True))


def watch_memory(pid, peak):
    """Poll the virtual size high-water mark of ``pid`` until it exits."""
    path = f"/proc/{pid}/status"
    while True:
        try:
            with open(path) as status:
                text = status.read()
        except OSError:
            return
        match = re.search(r"^VmPeak:\s+(\d+) kB", text, re.M)
        if match:
            peak["vm"] = max(peak.get("vm", 0), int(match.group(1)) * 1024)
        time.sleep(0.05)


def timed_install(db, modules, log_path):
    cmd = odoo_cmd(db, "-i", modules, f"--logfile={log_path}", "--log-level=info")
    log(" ".join(cmd[1:]))
    t0 = time.perf_counter()
    process = subprocess.Popen(cmd)
    peak = {}
    watcher = threading.Thread(target=watch_memory, args=(process.pid, peak), daemon=True)
    watcher.start()
    __, status, rusage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - t0
    process.returncode = os.waitstatus_to_exitcode(status)
    watcher.join(1)
    return elapsed, process.returncode, rusage.ru_maxrss * 1024, peak.get("vm", 0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100000, help="customer companies (orders: 4x, lines: 20x)")
    parser.add_argument("--db", help="bench database (default kam_bench_install_<accounts>), copied from --base")
    parser.add_argument("--base", help="base database with the data (default <db>_base), built once")
    parser.add_argument("--modules", default="key_account_management", help="modules to install (-i)")
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    parser.add_argument("--build-only", action="store_true", help="only build the base database")
    args = parser.parse_args()
    args.db = args.db or f"kam_bench_install_{args.accounts}"
    args.base = args.base or f"{args.db}_base"
    setup_odoo()
    hard_limit = odoo.tools.config["limit_memory_hard"]
    if hard_limit != DEFAULT_HARD_LIMIT:
        log(f"note: limit_memory_hard is {hard_limit} in the config, not Odoo's default {DEFAULT_HARD_LIMIT}")

    sizes = ensure_base(args.base, args.accounts)
    log("base data: " + ", ".join(f"{k} {v}" for k, v in sizes.items()))
    if args.build_only:
        return
    subprocess.run(["dropdb", "--if-exists", "--force", args.db], check=True)
    t0 = time.time()
    subprocess.run(["createdb", "-T", args.base, args.db], check=True)
    log(f"{args.db} copied from {args.base} in {time.time() - t0:.1f}s")
    before = set(psql(args.db, "SELECT name FROM ir_module_module WHERE state = 'installed'").split())

    os.makedirs(os.path.join(ROOT, "logs"), exist_ok=True)
    log_path = os.path.join(ROOT, "logs", f"bench-install-{args.db}.log")
    if os.path.exists(log_path):
        os.remove(log_path)  # odoo-bin appends to its --logfile
    elapsed, rc, rss, vm = timed_install(args.db, args.modules, log_path)

    after = set(psql(args.db, "SELECT name FROM ir_module_module WHERE state = 'installed'").split())
    with open(log_path, errors="replace") as logfile:
        text = logfile.read()
    errors = re.findall(r"^\S+ \S+ \d+ (?:ERROR|CRITICAL) .*$", text, re.M)
    failures = []
    if rc:
        failures.append(f"odoo-bin exited with status {rc}")
    if "MemoryError" in text:
        failures.append("MemoryError in the log")
    if errors:
        failures.append(f"{len(errors)} ERROR/CRITICAL log line(s), first: {errors[0]}")
    missing = [m for m in args.modules.split(",") if m not in after]
    if missing:
        failures.append(f"not installed: {', '.join(missing)}")
    mib = 1024 * 1024
    log(f"installed on the way: {', '.join(sorted(after - before)) or 'nothing'} (log: {log_path})")
    print(
        f"RESULT accounts={sizes['companies']} contacts={sizes['contacts']} orders={sizes['orders']} "
        f"lines={sizes['lines']} modules={args.modules} time={elapsed:.1f}s peak_rss={rss / mib:.0f}MiB "
        f"peak_vm={vm / mib:.0f}MiB hard_limit={hard_limit / mib:.0f}MiB "
        f"{'FAILED' if failures else 'OK'}"
    )
    if not args.keep:
        subprocess.run(["dropdb", "--if-exists", "--force", args.db], check=True)
    if failures:
        for failure in failures:
            log(f"FAILED: {failure}")
        sys.exit(1)


if __name__ == "__main__":
    main()

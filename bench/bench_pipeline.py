#!/usr/bin/env python3
"""Benchmark of the daily key-account pipeline, stage by stage, against the floor.

Builds, once, a base database (default ``kam_bench_pipeline_<N>_base``) with
key_account_management installed (no demo data) and the data of
``common.py``: N key-account companies, 1.5 N contacts, 4 N sale orders over
24 months (20 % in a second currency, 10 % cancelled, 38 % placed by
contacts), 2 N posted invoices (70 % paid, some late, with their payments;
30 % open) and 2 N interactions. No job has run on it: every account is new
(no figures, tier, health, trend, review or activity yet). Other benches and
sessions may copy it (``createdb -T``).

Then, on two copies of it (default ``kam_bench_pipeline_<N>``), one per
scope, the same three days:

* ``first``: the first run, every account new;
* ``daily``: the next day, after 1 % of the accounts got a new order (the
  last runs one day earlier, what they wrote two days older; see
  ``common.next_day``);
* ``10 %``: the day after, after 10 % of the accounts got a new order;

run on the first copy stage by stage (``kam.pipeline._cron_daily(stages=[name])``
for each stage of ``kam.pipeline.STAGES``, in their order: each stage reads
what the ones before wrote), and on the second copy as the whole pipeline
(``kam.pipeline._cron_daily()``), as the scheduler runs them (a progress
record in the context: the jobs commit between batches). Before each day, the
floor: the single SQL ``GROUP BY`` over ``sale_order`` of PERFORMANCE.md
(median of ``--repeat`` runs). A stage that the code does not have (renamed,
removed) is skipped with a message.

Prints a table (day x stage: seconds and x floor) and, with ``--json FILE``,
writes it as JSON. Usage (from the repository root, after ``make setup``)::

    .venv/bin/python bench/bench_pipeline.py --accounts 10000
    .venv/bin/python bench/bench_pipeline.py --accounts 100000 --json bench-100k.json
    .venv/bin/python bench/bench_pipeline.py --accounts 100000 --build-only   # only the base database

When the module's version in the base database differs from the code's (or
with ``--update``), each copy is updated (``odoo-bin -u``) before it runs.
"""

import argparse
import ast
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import (  # noqa: E402
    MODULE,
    ROOT,
    active_managers,
    build_data,
    build_interactions,
    build_invoices,
    build_lines,
    build_participants,
    copy_database,
    cron_context,
    db_exists,
    drop_database,
    ensure_database,
    log,
    measure_floor,
    next_day,
    open_env,
    psql,
    touch_orders,
    update_module,
)

PIPELINE = "pipeline"
#: (day, share of the accounts that got a new order since the day before)
DAYS = (("first", 0.0), ("daily", 0.01), ("10 %", 0.10))
SCOPES = ("stages", PIPELINE)


def code_version():
    with open(os.path.join(ROOT, MODULE, "__manifest__.py")) as manifest:
        return ast.literal_eval(manifest.read())["version"]


def ensure_base(base, accounts, interactions, lines):
    t0 = time.time()
    created = not db_exists(base)
    ensure_database(base)
    if not created and lines and psql(base, "SELECT count(*) FROM sale_order_line") == "0":
        # a base of older code without order lines: its module at this code first (the lines are made
        # through the ORM); the data stays a base (no job runs on an update)
        log(f"{base} has no order lines: updating its module before adding them")
        update_module(base)
    with open_env(base) as env:
        build_data(env, accounts)
        build_lines(env, lines)
        build_invoices(env, accounts)
        build_interactions(env, accounts, per_account=interactions)
        build_participants(env)
        env.cr.execute("SELECT count(*) FROM res_partner WHERE kam_tier_id IS NOT NULL")
        if env.cr.fetchone()[0]:
            sys.exit(f"{base} is not a base database: some accounts have a tier (a job ran on it); drop it")
    if created:
        log(f"base database {base} built in {time.time() - t0:.0f}s")
    counts = psql(
        base,
        """SELECT (SELECT count(*) FROM res_partner WHERE ref = 'BENCH-ACCOUNT'),
                  (SELECT count(*) FROM res_partner WHERE ref = 'BENCH-CONTACT'),
                  (SELECT count(*) FROM sale_order),
                  (SELECT count(*) FROM sale_order_line),
                  (SELECT count(*) FROM account_move WHERE ref = 'BENCH-INV'),
                  (SELECT count(*) FROM kam_interaction),
                  (SELECT pg_size_pretty(pg_database_size(current_database())))""",
    )
    keys = ("accounts", "contacts", "orders", "order lines", "invoices", "interactions", "size")
    return dict(zip(keys, counts.split("|"), strict=True))


def stage_entries(env, wanted):
    """[(name, callable or None, why skipped)] of the pipeline's stages, in order."""
    if "kam.pipeline" not in env:
        sys.exit("this code has no kam.pipeline model")
    Pipeline = env["kam.pipeline"]
    entries = []
    known = []
    for name, model, method in Pipeline.STAGES:
        known.append(name)
        if wanted and name not in wanted:
            continue
        if model not in env or not callable(getattr(env[model], method, None)):
            entries.append((name, f"{model}.{method} does not exist"))
        else:
            entries.append((name, None))
    for name in wanted or ():
        if name not in known:
            entries.append((name, "not a stage of kam.pipeline.STAGES"))
    return entries


def run_pipeline(env, Pipeline, stages=None):
    """Seconds of ``_cron_daily(stages)`` and a note (jobs done, failures)."""
    note = ""
    try:
        started = time.perf_counter()
        results = Pipeline._cron_daily(stages=stages)
        seconds = time.perf_counter() - started
        env.cr.commit()
    except Exception as error:  # noqa: BLE001 - reported in the table, the next runs go on
        seconds = time.perf_counter() - started
        env.cr.rollback()
        note = f"FAILED: {type(error).__name__}: {str(error)[:200]}"
    else:
        if not results:
            note = "not run: the pipeline was running elsewhere"
        else:
            done = [
                f"{name}: {getattr(result, 'done', '?')} done"
                + (" (running elsewhere)" if getattr(result, "running_elsewhere", False) else "")
                + (f", {len(result.skipped)} skipped" if getattr(result, "skipped", None) else "")
                for name, result in results.items()
            ]
            note = "; ".join(done)
    env.invalidate_all()
    return seconds, note


def run_scope(args, scope, results, floors):
    log(f"--- scope {scope}: copying {args.base} to {args.db}")
    log(f"copied in {copy_database(args.base, args.db):.0f}s")
    if args.update:
        update_module(args.db)
    with open_env(args.db) as env:
        cr = env.cr
        if active_managers(cr):
            log("the accounts' manager is now an active user (the base had an archived one)")
            cr.commit()
        entries = stage_entries(env, args.stages)
        for name, why in entries:
            if why:
                log(f"stage {name} skipped: {why}")
        runnable = [name for name, why in entries if not why]
        Pipeline = cron_context(env, "kam.pipeline", f"{MODULE}.ir_cron_kam_daily_pipeline")
        for salt, (day, share) in enumerate(DAYS):
            if share:
                next_day(cr)
                touched = touch_orders(cr, round(args.accounts * share), salt=salt)
                env.invalidate_all()
                log(f"next day: {touched} accounts got a new order")
            floor = measure_floor(cr, args.repeat)
            floors.setdefault(day, []).append(floor)
            log(f"{day}: floor {floor:.3f}s (median of {args.repeat}), load {os.getloadavg()[0]:.1f}")
            todo = (
                [(name, [name]) for name in runnable] if scope == "stages" else [(PIPELINE, args.stages and runnable)]
            )
            for name, stages in todo:
                seconds, note = run_pipeline(env, Pipeline, stages)
                results.setdefault(day, {})[name] = {
                    "seconds": round(seconds, 3),
                    "floor": round(floor, 4),
                    "x_floor": round(seconds / floor, 1),
                    "note": note,
                }
                log(f"{day} {name}: {seconds:.2f}s, {seconds / floor:.1f}x floor ({note})")
    return [name for name, why in entries if why]


def print_table(results, columns, floors):
    header = ["run", "floor s"] + columns
    rows = [header]
    for day, __ in DAYS:
        if day not in results:
            continue
        row = [day, f"{min(floors[day]):.3f}-{max(floors[day]):.3f}"]
        for column in columns:
            cell = results[day].get(column)
            row.append(f"{cell['seconds']:.2f} s ({cell['x_floor']:.1f}x)" if cell else "-")
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for i, row in enumerate(rows):
        print("| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + " |")
        if not i:
            print("|" + "|".join("-" * (width + 2) for width in widths) + "|")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=10000)
    parser.add_argument("--db", help="bench database (default kam_bench_pipeline_<accounts>), copied from --base")
    parser.add_argument("--base", help="base database with the data (default <db>_base), built once and kept")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the floor query (median)")
    parser.add_argument("--interactions", type=int, default=2, help="interactions per account in the data")
    parser.add_argument(
        "--lines",
        type=int,
        default=5,
        help="order lines per order in the data (products of 20 categories; the reorder radar, white space and "
        "transaction history read them)",
    )
    parser.add_argument("--stages", help="comma-separated stages to run (default: all of kam.pipeline.STAGES)")
    parser.add_argument("--scope", choices=(*SCOPES, "both"), default="both", help="stage by stage, whole, or both")
    parser.add_argument("--update", action="store_true", help="update the module on each copy (odoo-bin -u)")
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    parser.add_argument("--build-only", action="store_true", help="only build the base database")
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args()
    args.db = args.db or f"kam_bench_pipeline_{args.accounts}"
    args.base = args.base or f"{args.db}_base"
    args.stages = [name.strip() for name in args.stages.split(",")] if args.stages else None
    if args.db == args.base:
        sys.exit("--db and --base must differ: the runs change the database")

    sizes = ensure_base(args.base, args.accounts, args.interactions, args.lines)
    log("base data: " + ", ".join(f"{k} {v}" for k, v in sizes.items()))
    if args.build_only:
        return
    installed = psql(args.base, f"SELECT latest_version FROM ir_module_module WHERE name = '{MODULE}'")
    if not installed.endswith(code_version()):
        log(f"{args.base} has {MODULE} {installed}, the code {code_version()}: each copy is updated")
        args.update = True

    results, floors, skipped = {}, {}, []
    scopes = SCOPES if args.scope == "both" else (args.scope,)
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    for scope in scopes:
        skipped = run_scope(args, scope, results, floors)
    columns = [c for c in dict.fromkeys(c for day in results.values() for c in day)]
    print(f"\nkey-account pipeline at {sizes['accounts']} accounts ({started}); seconds and x floor")
    print_table(results, columns, floors)
    for name in skipped:
        print(f"stage {name}: skipped")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(
                {
                    "accounts": int(sizes["accounts"]),
                    "data": sizes,
                    "database": args.db,
                    "base": args.base,
                    "started": started,
                    "module_version": code_version(),
                    "skipped_stages": skipped,
                    "results": results,
                },
                out,
                indent=2,
            )
        log(f"results written to {args.json}")
    if not args.keep:
        drop_database(args.db)


if __name__ == "__main__":
    main()

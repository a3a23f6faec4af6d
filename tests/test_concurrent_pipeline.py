"""Two Odoo servers on one database never run the key-account pipeline on the
same accounts at the same time.

Server A runs the daily pipeline as the scheduler does (its scheduled action,
committing between batches). The test holds a row lock that A needs near the
end of its tier stage, so A is caught in the middle of its run, holding the
pipeline's lock, with part of its work committed. Meanwhile server B (another
process) runs the pipeline: it must not process anything. Then A finishes, a third run finds nothing
left to do, and no account got its first tier, a snapshot or an activity twice.
"""

import json
import os
import subprocess
import time
from contextlib import closing

import psycopg2
from conftest import RESULT_MARK, ROOT, _die_with_parent

MODULE = "key_account_management"
LAST_RUN_KEY = "key_account_management.last_run.tiers"
BLOCK_TIMEOUT = 180  # seconds for server A to reach the held row lock

PRELUDE = f"import json as _json\ndef emit(value):\n    print({RESULT_MARK!r} + _json.dumps(value), flush=True)\n"

# Every key account as if the addon had never run on it: no figures, tier,
# history, health, snapshot or job activity; the last runs long ago (a full run).
RESET = """
Partner = env["res.partner"]
accounts = Partner.search([("kam_is_key_account", "=", True), ("is_company", "=", True)])
accounts.write({"kam_tier_locked": False})
env.flush_all()
env.cr.execute("DELETE FROM kam_tier_history")
env.cr.execute("DELETE FROM kam_health_snapshot")
env.cr.execute(
    "DELETE FROM mail_activity WHERE kam_reason IS NOT NULL AND res_model = 'res.partner'"
)
env.cr.execute("UPDATE res_partner SET kam_tier_id = NULL, kam_revenue_current = NULL WHERE kam_is_key_account")
params = env["ir.config_parameter"].sudo()
for key in ("last_run", "last_full_run"):
    for job in ("tiers", "health"):
        params.set_param(f"key_account_management.{key}.{job}", "2000-01-01 00:00:00")
env.cr.commit()
emit({"accounts": accounts.ids})
"""

RUN_PIPELINE_CRON = f"""
cron = env.ref("{MODULE}.ir_cron_kam_daily_pipeline")
cron.method_direct_trigger()
env.cr.commit()
emit({{"done": True}})
"""

# Server B: the pipeline (what a second cron worker, or the scheduler of a
# second server, starts).
RUN_AGAIN = """
result = env["kam.pipeline"]._cron_daily()
env.cr.commit()
emit({"pipeline": sorted(result)})
"""

READ_COUNTS = """
accounts = env["res.partner"].browse(ACCOUNTS)
env.cr.execute(
    "SELECT partner_id, count(*) FROM kam_tier_history WHERE partner_id = ANY(%s) GROUP BY partner_id",
    [ACCOUNTS],
)
history = dict(env.cr.fetchall())
env.cr.execute(
    "SELECT partner_id, date, count(*) FROM kam_health_snapshot WHERE partner_id = ANY(%s)"
    " GROUP BY partner_id, date HAVING count(*) > 1",
    [ACCOUNTS],
)
double_snapshots = env.cr.fetchall()
env.cr.execute(
    "SELECT res_id, activity_type_id, kam_reason, count(*) FROM mail_activity"
    " WHERE res_model = 'res.partner' AND res_id = ANY(%s) AND kam_reason IS NOT NULL"
    " GROUP BY res_id, activity_type_id, kam_reason HAVING count(*) > 1",
    [ACCOUNTS],
)
double_activities = env.cr.fetchall()
emit({
    "history": {str(k): v for k, v in history.items()},
    "tiered": [p.id for p in accounts if p.kam_tier_id],
    "double_snapshots": double_snapshots,
    "double_activities": double_activities,
})
"""


def _start_shell(odoo_shell_cmd, db, script, log_path):
    log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed by the caller through the process
    proc = subprocess.Popen(
        [*odoo_shell_cmd, "-d", db, "--no-http", "--log-level=info"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        cwd=ROOT,
        preexec_fn=_die_with_parent,
    )
    proc.stdin.write(PRELUDE + script)
    proc.stdin.close()
    return proc, log


def _result(proc, log, timeout, log_path):
    try:
        stdout = proc.stdout.read()
        proc.wait(timeout=timeout)
    finally:
        log.close()
    assert proc.returncode == 0, f"odoo-bin shell failed (status {proc.returncode}); see {log_path}"
    results = [line[len(RESULT_MARK) :] for line in stdout.splitlines() if line.startswith(RESULT_MARK)]
    assert results, f"the shell script emitted nothing; see {log_path}"
    return json.loads(results[-1])


def _waiting_on_lock(cr, db):
    cr.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
        [db],
    )
    return cr.fetchone()[0]


def test_two_servers_never_process_the_same_accounts(db_copy, odoo_shell, odoo_shell_cmd):
    db = db_copy(f"kam_concurrent_{os.getpid()}")
    logs = ROOT / "logs"
    logs.mkdir(exist_ok=True)
    accounts = odoo_shell(db, RESET, log_name="pytest-concurrent.log")["accounts"]
    assert len(accounts) >= 3, "the demo data has key accounts"

    dsn = {"dbname": db}
    with closing(psycopg2.connect(**dsn)) as holder, closing(psycopg2.connect(**dsn)) as watcher:
        watcher.autocommit = True
        with holder.cursor() as cr:
            # hold the row server A writes when its tier stage ends
            cr.execute("SELECT id FROM ir_config_parameter WHERE key = %s FOR UPDATE", [LAST_RUN_KEY])
            assert cr.fetchone(), "the reset wrote the tier job's last run"
        log_a = logs / "pytest-concurrent-a.log"
        proc_a, handle_a = _start_shell(odoo_shell_cmd, db, RUN_PIPELINE_CRON, log_a)
        try:
            deadline = time.monotonic() + BLOCK_TIMEOUT
            with watcher.cursor() as wcr:
                while not _waiting_on_lock(wcr, db):
                    assert proc_a.poll() is None, f"server A ended before reaching the held row; see {log_a}"
                    assert time.monotonic() < deadline, f"server A never reached the held row; see {log_a}"
                    time.sleep(0.2)
            # A is in the middle of its run: B must not process anything
            again = odoo_shell(db, RUN_AGAIN, log_name="pytest-concurrent-b.log", timeout=120)
            assert again["pipeline"] == [], "a second server ran pipeline stages while the first one ran"
        finally:
            holder.rollback()  # A goes on
        done = _result(proc_a, handle_a, BLOCK_TIMEOUT, log_a)
    assert done == {"done": True}

    # the next run has nothing left to give: no account gets a second first tier
    rerun = odoo_shell(db, RUN_AGAIN, log_name="pytest-concurrent.log")
    assert rerun["pipeline"], "once the first server is done, the pipeline runs again"
    counts = odoo_shell(db, f"ACCOUNTS = {accounts!r}\n" + READ_COUNTS, log_name="pytest-concurrent.log")
    assert counts["tiered"], "server A gave the key accounts their tier"
    assert all(counts["history"].get(str(pid), 0) == 1 for pid in counts["tiered"]), (
        f"an account got more than one tier history row: {counts['history']}"
    )
    assert counts["double_snapshots"] == [], f"two snapshots of one account on one day: {counts['double_snapshots']}"
    assert counts["double_activities"] == [], f"the same job activity twice: {counts['double_activities']}"

"""Fixtures of the repository tests.

`make test` runs these with pytest-odoo after Odoo's own test run, against the
database where key_account_management was just installed with demo data:

    .venv/bin/pytest --odoo-config=.odoo.conf --odoo-database=kam_test tests/

pytest-odoo has parsed the Odoo configuration (``odoo.tools.config``) and loads
the registry of that database before the first test. The tests that need a
whole Odoo (upgrade, multi-worker server, translation export) start
``odoo-bin`` as a subprocess with the same configuration file; their output is
kept in logs/pytest-*.log.
"""

import ctypes
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import psutil
import psycopg2
import pytest
from psycopg2 import errors as pg_errors
from psycopg2 import sql

import odoo
from odoo.tools import config

ROOT = Path(__file__).resolve().parents[1]
MODULE = "key_account_management"
ODOO_BIN = Path(odoo.__file__).resolve().parents[1] / "odoo-bin"
LOGS = ROOT / "logs"
RESULT_MARK = "KAM-RESULT:"
# "YYYY-MM-DD HH:MM:SS,mmm PID LEVEL DB LOGGER: message" (continuation lines,
# e.g. tracebacks, do not start like this)
LOG_RECORD = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d+ \d+ (?P<level>[A-Z]+) ")


# -- helpers ------------------------------------------------------------------


def error_records(text):
    """Log records of an Odoo output at level ERROR or CRITICAL."""
    return [line for line in text.splitlines() if (m := LOG_RECORD.match(line)) and m["level"] in ("ERROR", "CRITICAL")]


def _pg_admin():
    """Autocommit connection to the maintenance database, with Odoo's settings."""
    cnx = psycopg2.connect(**odoo.sql_db.connection_info_for("postgres")[1])
    cnx.autocommit = True
    return cnx


def _drop_database(name):
    odoo.sql_db.close_db(name)
    with closing(_pg_admin()) as cnx, cnx.cursor() as cr:
        cr.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    shutil.rmtree(config.filestore(name), ignore_errors=True)


def _other_sessions(dbname):
    with closing(_pg_admin()) as cnx, cnx.cursor() as cr:
        cr.execute(
            "SELECT pid, application_name, state FROM pg_stat_activity WHERE datname = %s AND pid != pg_backend_pid()",
            [dbname],
        )
        return cr.fetchall()


# -- fixtures -----------------------------------------------------------------


@pytest.fixture(scope="session")
def odoo_conf(pytestconfig):
    """Absolute path of the Odoo configuration file given to pytest-odoo."""
    path = pytestconfig.getoption("--odoo-config") or os.environ.get("ODOO_RC")
    assert path, "run pytest with --odoo-config=.odoo.conf (see README.rst)"
    return str(Path(path).resolve())


@pytest.fixture(scope="session")
def test_db():
    """The database pytest-odoo works on (--odoo-database)."""
    assert config["db_name"], "run pytest with --odoo-database=<db> (see README.rst)"
    return config["db_name"]


@pytest.fixture(scope="session")
def odoo_cmd(odoo_conf):
    """``odoo-bin -c <config>``, run with the virtualenv's Python."""
    assert ODOO_BIN.is_file(), f"no odoo-bin next to the imported odoo package ({ODOO_BIN})"
    return [sys.executable, str(ODOO_BIN), "-c", odoo_conf]


@pytest.fixture(scope="session")
def odoo_shell_cmd(odoo_conf):
    """``odoo-bin shell -c <config>`` (the sub-command comes before the options)."""
    return [sys.executable, str(ODOO_BIN), "shell", "-c", odoo_conf]


@pytest.fixture(scope="session")
def run_odoo(odoo_cmd):
    """Run ``odoo-bin <args>`` to completion; keep its output in logs/<log_name>.

    Returns the CompletedProcess (text stdout/stderr). A run over ``timeout``
    seconds is killed and the test fails.
    """

    def run(args, *, log_name, timeout, stdin=None, base=None):
        cmd = [*(base or odoo_cmd), *args]
        LOGS.mkdir(exist_ok=True)
        try:
            proc = subprocess.run(
                cmd,
                input=stdin,
                capture_output=True,
                text=True,
                timeout=timeout,
                cwd=ROOT,
                check=False,
                preexec_fn=_die_with_parent,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"`{shlex.join(cmd)}` did not finish within {timeout}s")
        with open(LOGS / log_name, "a", encoding="utf-8") as log:
            log.write(f"$ {shlex.join(cmd)}\n[exit status {proc.returncode}]\n")
            log.write(f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}\n\n")
        return proc

    return run


@pytest.fixture(scope="session")
def odoo_shell(run_odoo, odoo_shell_cmd):
    """Run a Python script in ``odoo-bin shell -d <db>`` and return its result.

    The script has ``env`` (superuser) and ``emit(value)``, which hands a
    JSON-serialisable value back to the test. Nothing is committed unless the
    script calls ``env.cr.commit()``.
    """
    prelude = f"import json as _json\ndef emit(value):\n    print({RESULT_MARK!r} + _json.dumps(value), flush=True)\n"

    def shell(db, script, *, log_name="pytest-shell.log", timeout=300):
        proc = run_odoo(
            ["-d", db, "--no-http", "--log-level=warn"],
            base=odoo_shell_cmd,
            stdin=prelude + script,
            log_name=log_name,
            timeout=timeout,
        )
        assert proc.returncode == 0, f"odoo-bin shell on {db} failed (status {proc.returncode}):\n{proc.stderr[-4000:]}"
        results = [line[len(RESULT_MARK) :] for line in proc.stdout.splitlines() if line.startswith(RESULT_MARK)]
        assert results, f"the shell script on {db} emitted nothing:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
        return json.loads(results[-1])

    return shell


@pytest.fixture(scope="session")
def odoo_shell_logged(run_odoo, odoo_shell_cmd):
    """Like ``odoo_shell``, at log level info, and returns ``(result, log)``:
    the emitted value and the whole output of ``odoo-bin shell`` (stderr, where
    Odoo logs), for tests that judge what the script logged."""
    prelude = f"import json as _json\ndef emit(value):\n    print({RESULT_MARK!r} + _json.dumps(value), flush=True)\n"

    def shell(db, script, *, log_name="pytest-shell.log", timeout=300):
        proc = run_odoo(
            ["-d", db, "--no-http", "--log-level=info"],
            base=odoo_shell_cmd,
            stdin=prelude + script,
            log_name=log_name,
            timeout=timeout,
        )
        assert proc.returncode == 0, f"odoo-bin shell on {db} failed (status {proc.returncode}):\n{proc.stderr[-4000:]}"
        results = [line[len(RESULT_MARK) :] for line in proc.stdout.splitlines() if line.startswith(RESULT_MARK)]
        assert results, f"the shell script on {db} emitted nothing:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
        return json.loads(results[-1]), proc.stderr

    return shell


@pytest.fixture
def db_copy(test_db):
    """Factory: ``db_copy(name)`` copies the test database (and its filestore)
    to ``name`` with CREATE DATABASE ... TEMPLATE; every copy is dropped at
    the end of the test.

    The template must have no other session. This process's own idle
    connections (pytest-odoo's pool) are closed first (the pool reopens them
    on demand); other sessions are never terminated: the copy is retried for
    up to a minute, then the test fails and names them.
    """
    made = []

    def copy(name):
        _drop_stale_copies(name)
        _drop_database(name)
        deadline = time.monotonic() + 60
        while True:
            odoo.sql_db.close_db(test_db)
            try:
                with closing(_pg_admin()) as cnx, cnx.cursor() as cr:
                    cr.execute(
                        sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(test_db))
                    )
                break
            except pg_errors.ObjectInUse:
                if time.monotonic() > deadline:
                    pytest.fail(f"cannot copy {test_db}: other sessions use it: {_other_sessions(test_db)}")
                time.sleep(1)
        made.append(name)
        source = config.filestore(test_db)
        if os.path.isdir(source):
            shutil.copytree(source, config.filestore(name))
        return name

    yield copy
    for name in made:
        _drop_database(name)


def _drop_stale_copies(name):
    """Drop copies ``<prefix>_<pid>`` left by an earlier run that was killed."""
    prefix, _, pid = name.rpartition("_")
    if not pid.isdigit():
        return
    with closing(_pg_admin()) as cnx, cnx.cursor() as cr:
        cr.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [prefix.replace("_", r"\_") + r"\_%"])
        stale = [
            db
            for (db,) in cr.fetchall()
            if db.rpartition("_")[2].isdigit() and not psutil.pid_exists(int(db.rpartition("_")[2]))
        ]
    for db in stale:
        _drop_database(db)


@pytest.fixture(scope="session")
def free_port():
    """Factory: a loopback TCP port nobody listens on, different at each call."""
    given = set()

    def port():
        for _ in range(50):
            with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
                sock.bind(("127.0.0.1", 0))
                number = sock.getsockname()[1]
            if number not in given:
                given.add(number)
                return number
        raise RuntimeError("no free port")

    return port


@pytest.fixture
def odoo_server(odoo_cmd):
    """Factory: start ``odoo-bin <args>`` in its own process group, output in
    logs/<log_name>. Returns the Popen (``.log_path``: its log file). At the end of the test the whole group
    (workers and the gevent process included) gets SIGTERM, then SIGKILL."""
    started = []

    def start(args, *, log_name):
        LOGS.mkdir(exist_ok=True)
        log = open(LOGS / log_name, "w", encoding="utf-8")  # noqa: SIM115 (closed at teardown)
        cmd = [*odoo_cmd, *args]
        log.write(f"$ {shlex.join(cmd)}\n")
        log.flush()
        proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True, preexec_fn=_die_with_parent
        )
        proc.log_path = LOGS / log_name
        started.append((proc, log))
        return proc

    yield start
    for proc, log in started:
        _kill_group(proc)
        log.close()


def _die_with_parent():
    """In the child: SIGTERM when pytest dies (killed by a timeout, say),
    since no fixture teardown then stops the server (Linux prctl)."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _kill_group(proc):
    """SIGTERM, then SIGKILL, to the process group that ``proc`` leads."""
    pgid = proc.pid  # start_new_session: the leader's pid is the group id
    for sig, grace in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        members = [p for p in psutil.process_iter() if _pgid(p) == pgid]
        if not members:
            break
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            break
        _, alive = psutil.wait_procs(members, timeout=grace)
        if not alive:
            break
    proc.wait(timeout=10)


def _pgid(process):
    try:
        return os.getpgid(process.pid)
    except (ProcessLookupError, psutil.Error):
        return None


@pytest.fixture
def rpc_server(db_copy, odoo_shell, odoo_server, free_port):
    """Factory: ``rpc_server(name, setup_script, log_name)`` copies the test
    database to ``<name>_<pid>``, runs ``setup_script`` in ``odoo-bin shell``
    there (it makes users and data, commits and ``emit``s what the test needs),
    then starts a ``--workers=2`` server on it, whose read-only methods run on
    a read-only session (the database itself as "read replica", as a replica
    deployment would have it). Returns (base URL, database,
    the emitted value, the server's Popen). The server stops at the end of the
    test (``odoo_server``). ``KAM_TEST_PORTS="8201,8202"`` fixes the ports."""
    from test_workers import STARTUP_TIMEOUT, _wait_until_up

    def start(name, setup_script, log_name):
        db = db_copy(f"{name}_{os.getpid()}")
        emitted = odoo_shell(db, setup_script, log_name=f"{log_name}.log")
        ports = [int(port) for port in os.environ.get("KAM_TEST_PORTS", "").split(",") if port]
        http_port, gevent_port = ports or (free_port(), free_port())
        replica = [f"--db_replica_host={config['db_host'] or ''}"]
        if config["db_port"]:
            replica.append(f"--db_replica_port={config['db_port']}")
        proc = odoo_server(
            [
                "-d", db, "--workers=2", f"--http-port={http_port}", f"--gevent-port={gevent_port}",
                "--http-interface=127.0.0.1", f"--db-filter=^{db}$", "--max-cron-threads=0", *replica,
            ],
            log_name=f"{log_name}-server.log",
        )  # fmt: skip
        base = f"http://127.0.0.1:{http_port}"
        _wait_until_up(proc, f"{base}/web/login", time.monotonic() + STARTUP_TIMEOUT, proc.log_path)
        return base, db, emitted, proc

    return start


@pytest.fixture(scope="session")
def odoo_log_errors():
    """``odoo_log_errors(text)``: the ERROR / CRITICAL records of an Odoo output."""
    return error_records


# -- end of the run -----------------------------------------------------------


def pytest_terminal_summary(terminalreporter):
    """Under `make test`, repeat why the Odoo phase failed right above pytest's
    summary line (scripts/test.sh passes the list in KAM_ODOO_PHASE_FAILURES)."""
    path = os.environ.get("KAM_ODOO_PHASE_FAILURES")
    if path and os.path.isfile(path) and os.path.getsize(path):
        terminalreporter.write_sep("=", "make test: the Odoo test run FAILED (logs/odoo-test.log)", red=True)
        with open(path, encoding="utf-8") as failures:
            for line in failures.read().splitlines():
                terminalreporter.write_line(line)


# A skipped test cannot fail: count it as a failure.


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and session.exitstatus == pytest.ExitCode.OK:
        reporter.write_line(
            f"{len(skipped)} test(s) skipped: a skipped test cannot fail, so this run fails",
            red=True,
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED

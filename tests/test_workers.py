"""The addon works under Odoo's multi-process server (``--workers``)."""

import re
import time

import psutil
import requests

STARTUP_TIMEOUT = 90  # seconds for the server to answer its first request


def _wait_until_up(proc, url, deadline, log_path):
    last = None
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"odoo-bin exited with status {proc.returncode}; see {log_path}"
        try:
            return requests.get(url, timeout=30)
        except (requests.ConnectionError, requests.Timeout) as exc:
            # (not listening yet, or a worker still loading the registry for its first request: slow
            # when the machine is busy, e.g. with Odoo's own tests that CI runs beside these)
            last = exc
            time.sleep(0.5)
    raise AssertionError(f"no answer from {url} within {STARTUP_TIMEOUT}s ({last}); see {log_path}")


def _jsonrpc(session, url, params):
    response = session.post(url, json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}, timeout=60)
    assert response.status_code == 200, f"{url}: HTTP {response.status_code}"
    body = response.json()
    assert "error" not in body, f"{url}: {body['error']}"
    return body["result"]


def test_multi_worker_server_serves_key_accounts(test_db, odoo_server, free_port, odoo_log_errors):
    http_port, gevent_port = free_port(), free_port()
    log_name = "pytest-workers.log"
    proc = odoo_server(
        [
            "-d", test_db,
            "--workers=2",
            f"--http-port={http_port}",
            f"--gevent-port={gevent_port}",
            "--http-interface=127.0.0.1",
            f"--db-filter=^{test_db}$",
            "--max-cron-threads=0",
        ],
        log_name=log_name,
    )  # fmt: skip
    log_path = proc.log_path
    base = f"http://127.0.0.1:{http_port}"

    login_page = _wait_until_up(proc, f"{base}/web/login", time.monotonic() + STARTUP_TIMEOUT, log_path)
    assert login_page.status_code == 200, f"GET /web/login: HTTP {login_page.status_code}"
    assert "oe_login_form" in login_page.text
    assert 'name="login"' in login_page.text and 'name="password"' in login_page.text

    session = requests.Session()
    info = _jsonrpc(
        session,
        f"{base}/web/session/authenticate",
        {"db": test_db, "login": "admin", "password": "admin"},
    )
    assert info.get("uid"), f"admin/admin did not log in: {info}"

    accounts = _jsonrpc(
        session,
        f"{base}/web/dataset/call_kw/res.partner/search_read",
        {
            "model": "res.partner",
            "method": "search_read",
            "args": [],
            "kwargs": {"domain": [("kam_is_key_account", "=", True)], "fields": ["name", "kam_tier_id"]},
        },
    )
    tiered = [partner for partner in accounts if partner["kam_tier_id"]]
    assert tiered, f"no key account with a tier through JSON-RPC (key accounts: {accounts})"
    tier_id, tier_name = tiered[0]["kam_tier_id"]
    assert isinstance(tier_id, int) and tier_name

    # Really the prefork server: HTTP workers are forked children of the
    # master (the websocket server is a child running `odoo-bin gevent`).
    master = psutil.Process(proc.pid)
    workers = [
        child for child in master.children()
        if child.is_running() and "gevent" not in child.cmdline()
    ]  # fmt: skip
    assert len(workers) >= 2, f"expected >= 2 HTTP worker processes, found {workers}"
    with open(log_path, encoding="utf-8") as log:
        output = log.read()
    alive = set(re.findall(r"Worker WorkerHTTP \((\d+)\) alive", output))
    assert len(alive) >= 2, f"fewer than 2 'Worker WorkerHTTP (pid) alive' lines in {log_path}"
    assert {str(worker.pid) for worker in workers} <= alive, "the children are not Odoo's HTTP workers"
    assert not odoo_log_errors(output), f"errors in {log_path}:\n" + "\n".join(odoo_log_errors(output))

#!/usr/bin/env python3
"""Log in to a running Odoo with headless Chromium and save a screenshot.

    .venv/bin/python scripts/screenshot.py URL_PATH OUT.png [--base http://127.0.0.1:8069]

Example: the Key Accounts kanban of ``make run``::

    .venv/bin/python scripts/screenshot.py \
        "/odoo/action-key_account_management.kam_account_action" kanban.png

``--lang zh_CN`` takes it in that language (installed on the database): the
user's language is set for the screenshot and put back afterwards. ``--db``
names the database when the server has several.
"""

import argparse
import base64
import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
import xmlrpc.client

import websocket


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class UserLanguage:
    """Set the language of the user ``login`` over XML-RPC for the time of
    the screenshot, then put the previous one back."""

    def __init__(self, base, db, login, password, lang):
        common = xmlrpc.client.ServerProxy(f"{base}/xmlrpc/2/common")
        self.models = xmlrpc.client.ServerProxy(f"{base}/xmlrpc/2/object")
        if not db:
            databases = xmlrpc.client.ServerProxy(f"{base}/xmlrpc/2/db").list()
            if len(databases) != 1:
                raise SystemExit(f"several databases ({', '.join(databases)}): give one with --db")
            db = databases[0]
        self.auth = (db, common.authenticate(db, login, password, {}), password)
        if not self.auth[1]:
            raise SystemExit(f"cannot log in as {login} on {db}")
        installed = self._call("res.lang", "search_count", [[("code", "=", lang)]])
        if not installed:
            raise SystemExit(f"the language {lang} is not installed on {db} (make run RUN_LANG={lang} loads it)")
        self.lang = lang
        self.previous = self._call("res.users", "read", [[self.auth[1]], ["lang"]])[0]["lang"]

    def _call(self, model, method, args):
        return self.models.execute_kw(*self.auth, model, method, args)

    def __enter__(self):
        self._call("res.users", "write", [[self.auth[1]], {"lang": self.lang}])
        return self

    def __exit__(self, *exc):
        self._call("res.users", "write", [[self.auth[1]], {"lang": self.previous}])


class Page:
    def __init__(self, ws):
        self.ws, self.seq = ws, 0

    def call(self, method, **params):
        self.seq += 1
        self.ws.send(json.dumps({"id": self.seq, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.seq:
                if "error" in msg:
                    raise RuntimeError(msg["error"])
                return msg.get("result", {})

    def eval(self, expression):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def wait_for(self, expression, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.eval(expression):
                return True
            time.sleep(0.5)
        raise TimeoutError(expression)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("out")
    parser.add_argument("--base", default="http://127.0.0.1:8069")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--wait", default=".o_kanban_record, .o_list_table, .o_form_view")
    parser.add_argument("--lang", default="", help="language code, e.g. zh_CN (default: the user's)")
    parser.add_argument("--db", default="", help="database (default: the only one of the server)")
    args = parser.parse_args()
    if args.lang:
        with UserLanguage(args.base, args.db, args.login, args.password, args.lang):
            shoot(args)
    else:
        shoot(args)


def shoot(args):
    port = free_port()
    profile = tempfile.mkdtemp()
    chrome = subprocess.Popen(
        [
            shutil.which("chromium") or "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            f"--remote-debugging-port={port}",
            "--window-size=1440,900",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for __ in range(60):
            try:
                targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json"))
                break
            except OSError:
                time.sleep(0.5)
        target = next(t for t in targets if t["type"] == "page")
        page = Page(websocket.create_connection(target["webSocketDebuggerUrl"], timeout=60))
        page.call("Page.enable")
        page.call("Page.navigate", url=f"{args.base}/web/login")
        page.wait_for("!!document.querySelector('input[name=login]')")
        page.eval(f"""document.querySelector('input[name=login]').value = {json.dumps(args.login)};
                      document.querySelector('input[name=password]').value = {json.dumps(args.password)};
                      document.querySelector('form').submit();""")
        page.wait_for("location.pathname.startsWith('/odoo') || location.pathname.startsWith('/web')")
        time.sleep(2)
        page.call("Page.navigate", url=f"{args.base}{args.path}")
        page.wait_for(f"!!document.querySelector({json.dumps(args.wait)})")
        time.sleep(2)
        data = page.call("Page.captureScreenshot", format="png")["data"]
        with open(args.out, "wb") as f:
            f.write(base64.b64decode(data))
        print(args.out)
    finally:
        chrome.terminate()
        chrome.wait(10)
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()

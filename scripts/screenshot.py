#!/usr/bin/env python3
"""Log in to a running Odoo with headless Chromium and save a screenshot.

    .venv/bin/python scripts/screenshot.py URL_PATH OUT.png [--base http://127.0.0.1:8069]

Example: the Key Accounts kanban of ``make run``::

    .venv/bin/python scripts/screenshot.py \
        "/odoo/action-key_account_management.kam_account_action" kanban.png
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

import websocket


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    parser.add_argument("--lang", default="")
    args = parser.parse_args()
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

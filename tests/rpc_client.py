"""A JSON-RPC client for the repository tests: a user logs in to a running
Odoo and calls model methods as the web client and integrations do."""

import requests

PASSWORD = "Kam-rpc-2026!"


class Rpc:
    """One user's session; ``call`` returns (result, (error name, message))."""

    def __init__(self, base, db, login, password=PASSWORD):
        self.base, self.session = base, requests.Session()
        info = self._post("/web/session/authenticate", {"db": db, "login": login, "password": password})
        assert info["result"].get("uid"), f"{login} did not log in: {info}"

    def _post(self, path, params):
        response = self.session.post(
            f"{self.base}{path}", json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}, timeout=60
        )
        assert response.status_code == 200, f"{path}: HTTP {response.status_code}"
        return response.json()

    def call(self, model, method, *args, **kwargs):
        """(result, None) or (None, (error name, message))."""
        body = self._post(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )
        if "error" in body:
            return None, (body["error"]["data"]["name"], body["error"]["data"]["message"])
        return body["result"], None

    def ok(self, model, method, *args, **kwargs):
        result, error = self.call(model, method, *args, **kwargs)
        assert error is None, f"{model}.{method}{args} failed: {error}"
        return result

    def refused(self, model, method, *args, expected=("odoo.exceptions.AccessError",), **kwargs):
        result, error = self.call(model, method, *args, **kwargs)
        assert error and error[0] in expected, (
            f"{model}.{method}{args} gave {result!r} / {error}, expected one of {expected}"
        )

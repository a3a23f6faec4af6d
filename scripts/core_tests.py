#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Run Odoo's own tests of some core modules with the database's FULL registry.

Used by scripts/test_core.sh (`make test-core`). Usage:

    python scripts/core_tests.py --modules account,sale,... --failures OUT \
        [--expect-module key_account_management | --expect-no-module key_account_management] \
        -- <odoo options: -c CONF -d DB --http-port=P --log-level=test ...>

Why not `odoo-bin -i sale --test-enable`: Odoo runs the at_install tests of a
module right after loading that module, with only it and its dependencies in
the registry, i.e. before key_account_management is loaded: they would never
exercise the addon. And `odoo-bin --test-enable` on an installed database
(no -i/-u) runs them in the same place (odoo/modules/loading.py,
load_module_graph), still with a partial registry.

So this runner does what odoo-bin's post-install phase does
(odoo/service/server.py, preload_registries) for both positions:

1. odoo.service.server.start() as odoo-bin does, so that the threaded HTTP
   server runs for HttpCase tests and tours;
2. load the registry of the (already installed) database with test_enable
   off, so that no at_install test runs while modules are still loading;
3. with every installed module's models in the registry: the at_install tests
   of each given module (in the given order), then their post_install tests,
   through odoo.tests.loader.make_suite/run_suite semantics, filtered by
   --test-tags as usual;
4. write the id of every failing test (failure or error, counted as Odoo
   counts them) to --failures, one per line: "<id>\t<first line of error>".

The ids are unittest ids without the "odoo.addons." prefix, e.g.
"sale.tests.test_sale_order.TestSaleOrder.test_copy"; a subtest counts as its
test; an error in setUpClass is "<module>.<Class>.setUpClass".
"""

import argparse
import csv
import logging
import os
import sys
import threading
import time
import traceback
from pathlib import Path

ODOO_SRC = Path(os.environ.get("ODOO_SRC", Path.home() / "src" / "odoo-18.0"))
sys.path.insert(0, str(ODOO_SRC))

import odoo  # noqa: E402
from odoo.tools import config  # noqa: E402

_logger = logging.getLogger("kam.core_tests")


def _test_id(test):
    """Stable id of a unittest object (test, subtest or error holder)."""
    from unittest import case  # noqa: PLC0415

    from odoo.tests import case as odoo_case  # noqa: PLC0415

    if isinstance(test, (case._SubTest, odoo_case._SubTest)):
        test = test.test_case
    if isinstance(test, case.TestCase):
        tid = test.id()
    else:
        # unittest.suite._ErrorHolder: "setUpClass (odoo.addons.x.tests.y.Class)"
        desc = str(getattr(test, "description", test))
        if " (" in desc and desc.endswith(")"):
            what, where = desc[:-1].split(" (", 1)
            tid = f"{where}.{what}"
        else:
            tid = desc
    return tid.removeprefix("odoo.addons.")


def _make_result_class():
    from odoo.tests.result import OdooTestResult  # noqa: PLC0415

    class RecordingResult(OdooTestResult):
        """OdooTestResult that also keeps the ids of failing tests."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.failed = {}

        def _record(self, test, err):
            if self._soft_fail:  # a retried test: Odoo does not count it either
                return
            line = "".join(traceback.format_exception_only(err[0], err[1])).strip().splitlines()
            self.failed.setdefault(_test_id(test), (line[0] if line else "")[:300])

        def addError(self, test, err):
            self._record(test, err)
            super().addError(test, err)

        def addFailure(self, test, err):
            self._record(test, err)
            super().addFailure(test, err)

    return RecordingResult


def _run(suite, result):
    """odoo.tests.loader.run_suite, with our result object."""
    from odoo.modules import module  # noqa: PLC0415

    module.current_test = True
    threading.current_thread().testing = True
    try:
        suite(result)
    finally:
        threading.current_thread().testing = False
        module.current_test = False
    return result


def make_runner(args, state):
    def run_core_tests(dbnames):
        from odoo.modules.registry import Registry  # noqa: PLC0415
        from odoo.tests import loader  # noqa: PLC0415

        assert len(dbnames) == 1, "one database (-d) please"
        dbname = dbnames[0]
        threading.current_thread().dbname = dbname
        # Step 2: full registry, no test during loading.
        config["test_enable"] = False
        try:
            registry = Registry.new(dbname, update_module=False)
        finally:
            config["test_enable"] = True
        if registry._assertion_report is None:  # created only when test_enable is on
            from odoo.tests.result import OdooTestResult  # noqa: PLC0415

            registry._assertion_report = OdooTestResult()

        loaded = set(registry._init_modules)
        missing = [m for m in args.modules + args.expect_module if m not in loaded]
        present = [m for m in args.expect_no_module if m in loaded]
        if missing or present:
            _logger.error(
                "database %s: modules not installed: %s; modules that must not be installed: %s",
                dbname,
                missing,
                present,
            )
            return 2
        # Proof that the addon's code is active for the tests (or not).
        partner_mro = [c.__module__ for c in registry["res.partner"].mro()]
        _logger.info(
            "registry of %s: %d modules; res.partner classes from key_account_management: %d",
            dbname,
            len(loaded),
            sum(m.startswith("odoo.addons.key_account_management.") for m in partner_mro),
        )

        # The HTTP server reads every module's manifest once, on its first request
        # (odoo.http.root.statics). Read here, in this thread: left to the browser's first
        # requests, several threads parse manifests at once, and CPython 3.11's AST
        # validation is not thread-safe ("SystemError: AST constructor recursion depth
        # mismatch", an asset request answered 500 during contacts' first tour in CI).
        _logger.info("%d modules with static files", len(odoo.http.root.statics))

        RecordingResult = _make_result_class()
        report = registry._assertion_report
        failed = {}
        t0 = time.time()
        # Step 3: at_install module by module (as during an install), then post_install.
        batches = [("at_install", [m]) for m in args.modules] + [("post_install", args.modules)]
        for position, modules in batches:
            suite = loader.make_suite(modules, position)
            if not suite.countTestCases():
                continue
            _logger.info("Starting %s tests of %s (%d)", position, ",".join(modules), suite.countTestCases())
            if suite.has_http_case():
                with registry.cursor() as cr:
                    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
                    env["ir.qweb"]._pregenerate_assets_bundles()
            result = _run(suite, RecordingResult(global_report=report))
            report.update(result)
            failed.update(result.failed)
        _logger.info("%d core tests in %.0fs", report.testsRun, time.time() - t0)
        report.log_stats()

        # Step 4
        with open(args.failures, "w", encoding="utf-8") as fh:
            fh.write(f"# tests run: {report.testsRun}\n")
            for tid in sorted(failed):
                fh.write(f"{tid}\t{failed[tid]}\n")
        state["ran"] = True
        return 0 if report.wasSuccessful() else 1

    return run_core_tests


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--modules", required=True, help="comma-separated, in dependency order")
    parser.add_argument("--failures", required=True, help="file to write failing test ids to")
    parser.add_argument("--expect-module", action="append", default=[])
    parser.add_argument("--expect-no-module", action="append", default=[])
    parser.add_argument("odoo_args", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    args.modules = [m for m in args.modules.split(",") if m]
    odoo_args = [a for a in args.odoo_args if a != "--"]
    if not any(a.startswith("--test-tags") for a in odoo_args):
        odoo_args.append("--test-tags=" + ",".join(f"/{m}" for m in args.modules))

    # As odoo/cli/server.py main(), without creating the database: it must exist.
    config.parse_config(odoo_args, setup_logging=True)
    if not config["db_name"] or "," in config["db_name"]:
        parser.error("give exactly one database with -d")
    if config["workers"]:
        parser.error("run with --workers=0")
    csv.field_size_limit(500 * 1024 * 1024)

    import odoo.service.server as server  # noqa: PLC0415

    state = {"ran": False}
    # start() -> ThreadedServer.run(): HTTP server (test mode), then
    # preload_registries(): replaced by ours.
    server.preload_registries = make_runner(args, state)
    rc = server.start(preload=[config["db_name"]], stop=True)
    if not state["ran"] and not rc:
        rc = 2
    sys.exit(rc)


if __name__ == "__main__":
    main()

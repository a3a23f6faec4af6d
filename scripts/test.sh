#!/usr/bin/env bash
# `make test`: everything CI checks, on a fresh database.
#
#  1. scripts/setup.sh
#  2. drop $TEST_DB (default kam_test) and its filestore; Odoo creates it again
#     with demo data, installs key_account_management and its margin bridge
#     key_account_management_margin (which brings sale_margin) and runs the
#     tests of both (at_install and post_install, browser tours included).
#     Output goes to logs/odoo-test.log and the terminal.
#  3. the Odoo phase fails when: odoo-bin exits non-zero; a log line is at level
#     ERROR or CRITICAL; a test was skipped (Odoo logs "skipped <test> : <reason>"
#     for every unittest.SkipTest, e.g. "Chrome executable not found"); Odoo's
#     summary line ("N failed, M error(s) of T tests when loading database") is
#     missing or counts a failure; no test of one of the two modules started;
#     demo data failed to install; one of them is not installed afterwards.
#  4. pytest (pytest-odoo) over tests/ against the same database. Its summary is
#     the last line printed; any non-zero pytest status (5 = no tests collected
#     included) is a failure.
#
#   TEST_DB=kam_test          database (dropped and created again)
#   ODOO_TEST_TIMEOUT=3600    seconds for the Odoo phase (a guard against a hang: the
#                             install and 550 tests took 30 minutes alone on a slow
#                             day of a 2-core machine; CI runs make test-core beside it)
#   PYTEST_TIMEOUT=2400      seconds for the pytest phase (15 minutes measured, 20 on a slow day)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TEST_DB="${TEST_DB:-kam_test}"
MODULE=key_account_management
# the addon and its bridges, installed and tested together
MODULES=("$MODULE" key_account_management_margin)
LOG="$ROOT/logs/odoo-test.log"

say() { printf '[test] %s\n' "$*"; }
die() { printf '[test] ERROR: %s\n' "$*" >&2; exit 1; }

[[ "$TEST_DB" =~ ^[A-Za-z0-9_-]+$ ]] || die "TEST_DB may hold letters, digits, _ and - only"
for m in "${MODULES[@]}"; do
    [ -f "$ROOT/$m/__manifest__.py" ] || die "no $m/__manifest__.py in $ROOT"
done
install="$(IFS=,; echo "${MODULES[*]}")"
tags="$(printf '/%s,' "${MODULES[@]}")"
tags="${tags%,}"

"$ROOT/scripts/setup.sh"

ODOO_SRC="${ODOO_SRC:-$HOME/src/odoo-18.0}"
PY="$ROOT/.venv/bin/python"
odoo=("$PY" "$ODOO_SRC/odoo-bin" -c "$ROOT/.odoo.conf")

# 2. Fresh database --------------------------------------------------------
say "dropping database $TEST_DB"
PGOPTIONS="-c client_min_messages=warning" dropdb --if-exists --force "$TEST_DB"
rm -rf "$ROOT/.odoo-data/filestore/$TEST_DB"
mkdir -p "$ROOT/logs"

# `timeout --foreground` keeps odoo-bin and pytest in the terminal's process
# group, so that Ctrl-C reaches them.

# Tests start an HTTP server (HttpCase, tours): take a free loopback port so a
# running `make run` on 8069 does not collide.
port="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

# --test-tags limits the run to this addon's tests: --test-enable alone would
# also run the tests of every dependency installed on the way (base, mail,
# account, sale, crm...), hours of them.
say "creating $TEST_DB with demo data, installing $install and running their tests (log: logs/odoo-test.log)"
set +e
timeout --foreground --kill-after=60 "${ODOO_TEST_TIMEOUT:-3600}" \
    "${odoo[@]}" -d "$TEST_DB" -i "$install" --test-enable --test-tags="$tags" \
    --stop-after-init --log-level=test \
    --http-interface=127.0.0.1 --http-port="$port" --max-cron-threads=0 2>&1 | tee "$LOG"
odoo_rc=${PIPESTATUS[0]}
set -e

# 3. Verdict on the Odoo phase ---------------------------------------------
# A log record starts "YYYY-MM-DD HH:MM:SS,mmm PID LEVEL DB LOGGER: message";
# continuation lines (tracebacks) do not.
rec='^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2},[0-9]+ [0-9]+'
failures=()
if [ "$odoo_rc" = 124 ] || [ "$odoo_rc" = 137 ]; then
    failures+=("odoo-bin did not finish within ${ODOO_TEST_TIMEOUT:-3600}s (killed)")
elif [ "$odoo_rc" != 0 ]; then
    failures+=("odoo-bin exited with status $odoo_rc")
fi

errors="$(grep -E "$rec (ERROR|CRITICAL) " "$LOG" || true)"
if [ -n "$errors" ]; then
    failures+=("$(grep -c . <<<"$errors") log line(s) at level ERROR or CRITICAL:
$(head -n 20 <<<"$errors")")
fi

# Every skip goes through OdooTestResult.addSkip: "skipped <test> : <reason>".
# The SkipTest reasons of HttpCase browser tests are matched as well, wherever
# they show up.
skips="$(grep -E "$rec [A-Z]+ \S+ \S+: skipped " "$LOG" || true)"
browser="$(grep -E "Chrome executable not found|websocket-client module is not installed|Failed to detect chrome devtools port|Error during Chrome|Cannot connect to chrome dev tools|never found 'page' target|chrome browser not found" "$LOG" || true)"
if [ -n "$skips$browser" ]; then
    failures+=("skipped test(s) (a skipped test cannot fail; browser tours need chromium and websocket-client):
$(printf '%s\n%s\n' "$skips" "$browser" | grep . | sort -u | head -n 20)")
fi

summary="$(grep -E "$rec [A-Z]+ \S+ odoo\.tests\.result: [0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests when loading database" "$LOG" | tail -n 1 || true)"
if [ -z "$summary" ]; then
    failures+=("no Odoo test summary ('N failed, M error(s) of T tests when loading database') in the log")
else
    read -r nfail nerr ntests < <(sed -E 's/.*: ([0-9]+) failed, ([0-9]+) error\(s\) of ([0-9]+) tests.*/\1 \2 \3/' <<<"$summary")
    if [ "$nfail" != 0 ] || [ "$nerr" != 0 ]; then
        failures+=("Odoo tests: $nfail failed, $nerr error(s) of $ntests tests")
    fi
fi

started_all=()
for m in "${MODULES[@]}"; do
    started="$(grep -cE "$rec INFO \S+ odoo\.addons\.$m\.tests(\.\S+)?: Starting " "$LOG" || true)"
    if [ "${started:-0}" = 0 ]; then
        failures+=("no test of $m ran (no 'odoo.addons.$m.tests...: Starting' line)")
    fi
    started_all+=("${started:-0} of $m")
done

if grep -qE "demo data failed to install|invalid module names, ignored" "$LOG"; then
    failures+=("$(grep -E "demo data failed to install|invalid module names, ignored" "$LOG" | head -n 5)")
fi

for m in "${MODULES[@]}"; do
    state="$(psql -d "$TEST_DB" -Atc "SELECT state FROM ir_module_module WHERE name = '$m'" 2>/dev/null || true)"
    if [ "$state" != installed ]; then
        failures+=("$m is not installed in $TEST_DB (state: '${state:-none}')")
    fi
done

# pytest repeats these reasons right above its summary line (tests/conftest.py).
export KAM_ODOO_PHASE_FAILURES="$ROOT/logs/odoo-phase-failures.txt"
: >"$KAM_ODOO_PHASE_FAILURES"
if [ ${#failures[@]} -eq 0 ]; then
    summary="${summary#*odoo.tests.result: }"
    say "Odoo phase OK: test(s) started: $(IFS=,; echo "${started_all[*]}" | sed 's/,/, /g'); ${summary% }"
else
    for f in "${failures[@]}"; do printf -- '- %s\n' "${f//$'\n'/$'\n'    }"; done >"$KAM_ODOO_PHASE_FAILURES"
    say "Odoo phase FAILED (log: logs/odoo-test.log):"
    cat "$KAM_ODOO_PHASE_FAILURES"
fi

# 4. Repository tests (pytest-odoo) ----------------------------------------
say "pytest tests/ against $TEST_DB"
set +e
timeout --foreground --kill-after=30 "${PYTEST_TIMEOUT:-2400}" \
    "$ROOT/.venv/bin/pytest" --odoo-config="$ROOT/.odoo.conf" --odoo-database="$TEST_DB" \
    -ra -p no:cacheprovider "$ROOT/tests/"
py_rc=$?
set -e
if [ "$py_rc" = 124 ] || [ "$py_rc" = 137 ]; then
    say "pytest did not finish within ${PYTEST_TIMEOUT:-2400}s (killed)"
fi

# pytest's summary stays the last line: the verdict is only the exit status.
[ ${#failures[@]} -eq 0 ] && [ "$py_rc" = 0 ]

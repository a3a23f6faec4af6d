#!/usr/bin/env bash
# `make run`: set up, install (first time) or update key_account_management in
# the demo database, make sure admin/admin logs in, then serve Odoo.
#
#   WORKERS=0        0: threaded server; N > 0: Odoo's multi-process server
#                    with N HTTP workers (websocket on GEVENT_PORT)
#   HTTP_PORT=8069   web client at http://localhost:$HTTP_PORT
#   GEVENT_PORT=8072 websocket port when WORKERS > 0
#   HTTP_INTERFACE   address to listen on (default 127.0.0.1, loopback only;
#                    set 0.0.0.0 to listen on every interface)
#   RUN_DB=kam_demo  database name
#   RUN_LANG         a language to load and give the demo users, e.g. zh_CN
#                    (`make run RUN_LANG=zh_CN`; LANG itself is the locale of
#                    the shell, which make passes on to every command)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export HTTP_PORT="${HTTP_PORT:-8069}"
WORKERS="${WORKERS:-0}"
GEVENT_PORT="${GEVENT_PORT:-8072}"
HTTP_INTERFACE="${HTTP_INTERFACE:-127.0.0.1}"
DB="${RUN_DB:-kam_demo}"
MODULE=key_account_management

say() { printf '[run] %s\n' "$*" >&2; }
die() { printf '[run] ERROR: %s\n' "$*" >&2; exit 1; }

[[ "$WORKERS" =~ ^[0-9]+$ ]] || die "WORKERS must be a number, not '$WORKERS'"
[ -f "$ROOT/$MODULE/__manifest__.py" ] || die "no $MODULE/__manifest__.py in $ROOT"

"$ROOT/scripts/setup.sh"

ODOO_SRC="${ODOO_SRC:-$HOME/src/odoo-18.0}"
PY="$ROOT/.venv/bin/python"
odoo=("$PY" "$ODOO_SRC/odoo-bin" -c "$ROOT/.odoo.conf")

# State of the module in the database: empty when the database (or its module
# table) does not exist yet.
state="$(psql -d "$DB" -Atc "SELECT state FROM ir_module_module WHERE name = '$MODULE'" 2>/dev/null || true)"
if [ "$state" = installed ]; then
    say "updating $MODULE in database $DB"
    "${odoo[@]}" -d "$DB" -u "$MODULE" --stop-after-init --no-http
else
    # No --without-demo here: in 18.0 even --without-demo=False skips demo data.
    say "creating database $DB with demo data and installing $MODULE"
    "${odoo[@]}" -d "$DB" -i "$MODULE" --stop-after-init --no-http
fi

# Demo data gives admin/admin already; make sure of it (an earlier session may
# have changed it).
say "setting the administrator's login/password to admin/admin"
"$PY" "$ODOO_SRC/odoo-bin" shell -c "$ROOT/.odoo.conf" -d "$DB" --no-http --log-level=warn <<'PY'
admin = env.ref("base.user_admin")
admin.write({"login": "admin", "password": "admin", "active": True})
env.cr.commit()
PY

if [ -n "${RUN_LANG:-}" ]; then
    say "loading the language $RUN_LANG and setting it on the demo users"
    RUN_LANG="$RUN_LANG" "$PY" "$ODOO_SRC/odoo-bin" shell -c "$ROOT/.odoo.conf" -d "$DB" --no-http \
        --log-level=warn <"$ROOT/scripts/demo_lang.py"
fi

say "serving http://localhost:$HTTP_PORT (database $DB, workers $WORKERS; Ctrl-C stops)"
exec "${odoo[@]}" -d "$DB" --db-filter="^${DB}\$" \
    --http-interface="$HTTP_INTERFACE" --http-port="$HTTP_PORT" \
    --gevent-port="$GEVENT_PORT" --workers="$WORKERS"

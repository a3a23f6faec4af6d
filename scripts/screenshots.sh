#!/usr/bin/env bash
# The screenshots of README.rst, in English and in Chinese, from a running
# demo server (`make run`, or `make run RUN_LANG=zh_CN`):
#
#   scripts/screenshots.sh [BASE_URL] [DB]
#
# BASE_URL defaults to http://127.0.0.1:8069, DB to the server's only
# database. Each screen is taken as the administrator (admin/admin) in each
# language (scripts/screenshot.py --lang, which puts the user's language back
# afterwards) into docs/screenshots/<screen>.<lang>.png. Chinese must be
# loaded on the database (make run RUN_LANG=zh_CN loads it).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BASE="${1:-http://127.0.0.1:8069}"
DB="${2:-}"
OUT="$ROOT/docs/screenshots"
PY="$ROOT/.venv/bin/python"
mkdir -p "$OUT"

# the demo account shown in the form: its id from the server (over XML-RPC)
account_id="$("$PY" - "$BASE" "$DB" <<'PYEOF'
import sys
import xmlrpc.client

base, db = sys.argv[1], sys.argv[2]
if not db:
    db = xmlrpc.client.ServerProxy(f"{base}/xmlrpc/2/db").list()[0]
uid = xmlrpc.client.ServerProxy(f"{base}/xmlrpc/2/common").authenticate(db, "admin", "admin", {})
models = xmlrpc.client.ServerProxy(f"{base}/xmlrpc/2/object")
print(models.execute_kw(db, uid, "admin", "ir.model.data", "check_object_reference",
                        ["key_account_management", "kam_partner_huadong_demo"])[1])
PYEOF
)"

action="/odoo/action-key_account_management"
screens=(
    "dashboard|$action.kam_dashboard_action|.o_kam_dashboard_content"
    "accounts|$action.kam_account_action|.o_kanban_record"
    "account|$action.kam_account_action/$account_id|.o_form_view"
    "risks|$action.kam_risk_signal_action|.o_list_table"
    "matrix|$action.kam_responsibility_matrix_action|.o_kam_matrix table"
    "relationship_map|/odoo/res.partner/$account_id/action-key_account_management.kam_relationship_map_action|.o_kam_relmap_content"
    "profitability|$action.kam_profit_action|.o_list_table"
)
for lang in en_US zh_CN; do
    for screen in "${screens[@]}"; do
        IFS='|' read -r name path wait <<<"$screen"
        "$PY" "$ROOT/scripts/screenshot.py" "$path" "$OUT/$name.$lang.png" \
            --base "$BASE" ${DB:+--db "$DB"} --lang "$lang" --wait "$wait"
    done
done

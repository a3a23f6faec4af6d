#!/usr/bin/env bash
# Regenerate key_account_management/i18n/key_account_management.pot from a
# database and merge it into key_account_management/i18n/zh_CN.po.
#
#   scripts/i18n_export.sh [--no-update] [DB]
#
# DB defaults to $TEST_DB or kam_test. The module is first updated in DB
# (-u, so the export sees the current code), or installed with demo data when
# DB does not have it: tests/test_i18n.py compares against an export of the
# test database, which has demo data, so export from a database with demo.
# --no-update skips that step.
#
# The .pot is only rewritten when its terms or references changed (not for a
# new POT-Creation-Date alone). zh_CN.po gets the new msgids with an empty
# msgstr (msgmerge from gettext also proposes fuzzy guesses for changed
# strings; without msgmerge polib merges); entries that left the template are
# dropped. Then translate every empty or fuzzy entry of zh_CN.po.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
MODULE=key_account_management
update=1
if [ "${1:-}" = --no-update ]; then update=0; shift; fi
DB="${1:-${TEST_DB:-kam_test}}"
I18N="$ROOT/$MODULE/i18n"
POT="$I18N/$MODULE.pot"
PO="$I18N/zh_CN.po"

say() { printf '[i18n] %s\n' "$*" >&2; }

"$ROOT/scripts/setup.sh"
ODOO_SRC="${ODOO_SRC:-$HOME/src/odoo-18.0}"
PY="$ROOT/.venv/bin/python"
odoo=("$PY" "$ODOO_SRC/odoo-bin" -c "$ROOT/.odoo.conf")

state="$(psql -d "$DB" -Atc "SELECT state FROM ir_module_module WHERE name = '$MODULE'" 2>/dev/null || true)"
if [ "$state" != installed ]; then
    say "installing $MODULE (with demo data) in $DB"
    "${odoo[@]}" -d "$DB" -i "$MODULE" --stop-after-init --no-http --log-level=warn
elif [ "$update" = 1 ]; then
    say "updating $MODULE in $DB"
    "${odoo[@]}" -d "$DB" -u "$MODULE" --stop-after-init --no-http --log-level=warn
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
say "exporting the terms of $MODULE from $DB"
"${odoo[@]}" -d "$DB" --i18n-export="$tmp/$MODULE.pot" --modules="$MODULE" \
    --stop-after-init --no-http --log-level=warn
mkdir -p "$I18N"

strip_dates() { grep -vE '^"(POT-Creation-Date|PO-Revision-Date): ' "$1" || true; }
if [ -f "$POT" ] && [ "$(strip_dates "$POT")" = "$(strip_dates "$tmp/$MODULE.pot")" ]; then
    say "$MODULE.pot unchanged"
else
    cp "$tmp/$MODULE.pot" "$POT"
    say "wrote $MODULE/i18n/$MODULE.pot"
fi

if command -v msgmerge >/dev/null; then
    if [ -f "$PO" ]; then
        msgmerge --quiet --previous --no-wrap --output-file="$tmp/merged.po" "$PO" "$POT"
    else
        cp "$POT" "$tmp/merged.po"
    fi
else
    say "msgmerge not found (Debian package gettext): merging with polib, without fuzzy guesses"
    "$PY" - "$PO" "$POT" "$tmp/merged.po" <<'PY'
import os, sys
import polib
po_path, pot_path, out = sys.argv[1:]
pot = polib.pofile(pot_path)
if os.path.exists(po_path):
    po = polib.pofile(po_path)
    po.merge(pot)
else:
    po = pot
po.save(out)
PY
fi

# Normalise like Odoo's own exports (polib, 78 columns, the template's
# order), drop obsolete entries, set the language header.
"$PY" - "$tmp/merged.po" "$POT" "$PO" <<'PY'
import sys
import polib
merged, pot_path, target = sys.argv[1:]
po = polib.pofile(merged, wrapwidth=78)
order = {entry.msgid: i for i, entry in enumerate(polib.pofile(pot_path))}
po[:] = sorted((e for e in po if not e.obsolete), key=lambda e: order.get(e.msgid, len(order)))
po.metadata["Language"] = "zh_CN"
po.metadata.setdefault("Plural-Forms", "")
po.save(target)
todo = [e for e in po if not e.msgstr.strip() or "fuzzy" in e.flags]
print(f"[i18n] zh_CN.po: {len(po)} entries, {len(todo)} to translate (empty or fuzzy)", file=sys.stderr)
PY

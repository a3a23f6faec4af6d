#!/usr/bin/env bash
# `make readme`: README.rst of each addon, generated from its readme/*.md
# fragments (DESCRIPTION, CONTEXT, INSTALL, CONFIGURE, USAGE, DEVELOP, ROADMAP,
# HISTORY, CONTRIBUTORS, CREDITS) and its manifest by the OCA generator
# oca-gen-addon-readme (vendored in scripts/oca_gen_addon_readme/, see its
# README.md), with the project's template scripts/readme.rst.jinja.
#
#   scripts/gen_readme.sh [ADDON_DIR...]     default: both addons of the repository
#
# Edit the fragments, never README.rst. tests/test_readme.py fails when a
# README.rst is not what this script makes (the manifest is part of the source
# digest: run it again after editing a manifest too).
#   PYTHON=.venv/bin/python   interpreter with click, docutils, jinja2, pypandoc
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
if [ $# -eq 0 ]; then
    set -- "$ROOT/key_account_management" "$ROOT/key_account_management_margin"
fi
args=()
for addon in "$@"; do
    args+=(--addon-dir "$addon")
done
# --org-name other than OCA: no OCA banner, Weblate or Runboat badges.
# --no-gen-html: static/description/ keeps its icon only; Odoo shows README.rst.
PYTHONPATH="$ROOT/scripts${PYTHONPATH:+:$PYTHONPATH}" "$PY" -m oca_gen_addon_readme.gen_addon_readme \
    --org-name=key-account-management --repo-name=key_account_management --branch=18.0 \
    --no-gen-html --template-filename="$ROOT/scripts/readme.rst.jinja" "${args[@]}"

#!/usr/bin/env bash
# Make sure ODOO_SRC holds Odoo 18.0 (the folder with odoo-bin): when it is
# missing, clone branch 18.0 of ODOO_GIT_URL there (shallow). Called by
# scripts/setup.sh; tests/test_get_odoo.py runs it against a local git URL.
#
#   ODOO_SRC      default ~/src/odoo-18.0
#   ODOO_GIT_URL  default the official Odoo repository
#   ODOO_BRANCH   default 18.0
set -euo pipefail

ODOO_SRC="${ODOO_SRC:-$HOME/src/odoo-18.0}"
ODOO_GIT_URL="${ODOO_GIT_URL:-https://github.com/odoo/odoo.git}"
ODOO_BRANCH="${ODOO_BRANCH:-18.0}"

say() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

if [ ! -e "$ODOO_SRC" ]; then
    say "no Odoo in ODOO_SRC=$ODOO_SRC: cloning branch $ODOO_BRANCH of $ODOO_GIT_URL (shallow)"
    mkdir -p "$(dirname "$ODOO_SRC")"
    tmp="$ODOO_SRC.partial.$$"
    rm -rf "$tmp"
    if ! git clone --quiet --depth 1 --branch "$ODOO_BRANCH" "$ODOO_GIT_URL" "$tmp"; then
        rm -rf "$tmp"
        die "could not clone $ODOO_GIT_URL (branch $ODOO_BRANCH) into $ODOO_SRC. Set ODOO_GIT_URL to a reachable
copy of the Odoo repository, or ODOO_SRC to a folder that holds Odoo 18.0's odoo-bin."
    fi
    mv "$tmp" "$ODOO_SRC"
fi
if [ ! -x "$ODOO_SRC/odoo-bin" ] || [ ! -f "$ODOO_SRC/odoo/release.py" ]; then
    die "no Odoo 18.0 in ODOO_SRC=$ODOO_SRC (no odoo-bin): set ODOO_SRC to the folder that holds odoo-bin,
or remove it to have it cloned from ODOO_GIT_URL."
fi
if ! grep -q "^version_info = (18, 0" "$ODOO_SRC/odoo/release.py"; then
    die "ODOO_SRC=$ODOO_SRC is not Odoo 18.0 ($(grep '^version_info' "$ODOO_SRC/odoo/release.py"))."
fi

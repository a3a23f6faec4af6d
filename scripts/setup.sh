#!/usr/bin/env bash
# Idempotent set-up for key_account_management: Odoo source check, system
# packages, PostgreSQL, the .venv and the Odoo configuration file.
# Quick when everything is already in place.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ODOO_SRC="${ODOO_SRC:-$HOME/src/odoo-18.0}"
VENV="$ROOT/.venv"
CONF="$ROOT/.odoo.conf"
HTTP_PORT="${HTTP_PORT:-8069}"

say() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

# 1. Odoo source (cloned from ODOO_GIT_URL when missing) ----------------------
ODOO_SRC="$ODOO_SRC" "$ROOT/scripts/get_odoo.sh"

# 2. System packages ---------------------------------------------------------
# Installed before PostgreSQL is started: installing libpq-dev may upgrade the
# server package, and a server left running from the old binaries then fails.
PKGS=(build-essential python3-dev libldap2-dev libsasl2-dev libpq-dev libxml2-dev
      libxslt1-dev libjpeg-dev zlib1g-dev wkhtmltopdf chromium fonts-noto-cjk
      poppler-utils gettext)
if [ -z "${PGHOST:-}" ]; then
    PKGS+=(postgresql)
fi
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
pg_upgraded=0
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        say "installing system packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
        pg_upgraded=1
    else
        die "missing system packages. Install them with:
    sudo apt-get install -y --no-install-recommends ${missing[*]}"
    fi
fi

# 3. PostgreSQL --------------------------------------------------------------
if [ -z "${PGHOST:-}" ]; then
    command -v pg_lsclusters >/dev/null || die "PostgreSQL tools not found; sudo apt-get install -y postgresql"
    cluster="$(pg_lsclusters -h | awk '{print $1" "$2" "$4; exit}')"
    [ -n "$cluster" ] || die "no PostgreSQL cluster; create one with: sudo pg_createcluster 15 main --start"
    read -r ver name status <<<"$cluster"
    if [ "$status" != online ]; then
        say "starting PostgreSQL cluster $ver/$name"
        if [ "$(id -u)" = 0 ]; then pg_ctlcluster "$ver" "$name" start
        else die "PostgreSQL $ver/$name is down. Start it with: sudo pg_ctlcluster $ver $name start"; fi
    elif [ "$pg_upgraded" = 1 ]; then
        say "restarting PostgreSQL after a package upgrade"
        pg_ctlcluster "$ver" "$name" restart
    fi
    PGUSER="${PGUSER:-$(id -un)}"
    [ "$PGUSER" != postgres ] || die "Odoo refuses the role 'postgres'; set PGUSER to another role"
    if ! psql -d postgres -U "$PGUSER" -Atc 'select 1' >/dev/null 2>&1; then
        say "creating PostgreSQL superuser role $PGUSER"
        if [ "$(id -u)" = 0 ]; then
            su postgres -c "createuser --superuser '$PGUSER'"
        elif command -v sudo >/dev/null; then
            sudo -u postgres createuser --superuser "$PGUSER"
        else
            die "no PostgreSQL role $PGUSER. Create it with: sudo -u postgres createuser --superuser $PGUSER"
        fi
    fi
else
    PGUSER="${PGUSER:-$(id -un)}"
    psql -d postgres -Atc 'select 1' >/dev/null || die "cannot reach PostgreSQL at PGHOST=$PGHOST PGPORT=${PGPORT:-5432} as $PGUSER"
fi

# 4. Python virtualenv -------------------------------------------------------
stamp="$VENV/.kam-requirements.sha"
want="$(cat "$ODOO_SRC/requirements.txt" "$ROOT/requirements.txt" | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    say "building $VENV (Odoo requirements + requirements.txt)"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip 'setuptools<81' wheel
    cons="$VENV/.build-constraints.txt"
    echo 'setuptools<81' >"$cons"
    # setuptools<81 in the venv and in every build environment: the pinned
    # cbor2 and gevent import pkg_resources.
    piplog="$VENV/.pip-install.log"
    if ! PIP_CONSTRAINT="$cons" "$VENV/bin/pip" install -q --build-constraint "$cons" \
        -r "$ODOO_SRC/requirements.txt" -r "$ROOT/requirements.txt" >"$piplog" 2>&1; then
        grep -v "^WARNING: Location .* is ignored" "$piplog" >&2 || true
        die "pip could not install the requirements (log: $piplog)"
    fi
fi
# Odoo is not installed as a package: make it importable (pytest-odoo needs it).
# Written on every run (ODOO_SRC may have changed), before the check below.
site="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
# (written to a new file renamed over the old one, as the configuration below: CI runs two test
# commands side by side, each starting with this script, while the other's processes read them)
echo "$ODOO_SRC" >"$site/odoo-src.pth.$$" && mv -f "$site/odoo-src.pth.$$" "$site/odoo-src.pth"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    "$VENV/bin/python" -c "import odoo, gevent, psycopg2, pytest_odoo, websocket, phonenumbers" \
        || die "the virtualenv $VENV is incomplete (pip log: $VENV/.pip-install.log)"
    echo "$want" >"$stamp"
fi

# 5. Odoo configuration ------------------------------------------------------
cat >"$CONF.$$" <<CONF
[options]
addons_path = $ODOO_SRC/odoo/addons,$ODOO_SRC/addons,$ROOT
data_dir = $ROOT/.odoo-data
admin_passwd = admin
db_host = ${PGHOST:-False}
db_port = ${PGPORT:-False}
db_user = $PGUSER
db_password = ${PGPASSWORD:-False}
http_port = $HTTP_PORT
list_db = True
CONF
mv -f "$CONF.$$" "$CONF"
say "ready: Odoo $ODOO_SRC, venv $VENV, config $CONF"

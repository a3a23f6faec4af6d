# key_account_management: the two commands are `make run` and `make test`.
# The logic lives in scripts/; this file only passes the knobs on.

WORKERS   ?= 0
HTTP_PORT ?= 8069
TEST_DB   ?= kam_test
RUFF_VERSION ?= 0.17.6
PYLINT_ODOO_VERSION ?= 9.3.24

CORE_DB   ?= kam_core
CORE_BASE_DB ?= kam_core_base

export WORKERS HTTP_PORT TEST_DB CORE_DB CORE_BASE_DB

.PHONY: help setup run test test-core test-core-baseline lint readme

help:
	@echo "make run   [WORKERS=0] [HTTP_PORT=8069]  set up, install/update kam_demo, serve Odoo"
	@echo "make test  [TEST_DB=kam_test]            fresh test database, Odoo tests, then pytest tests/"
	@echo "make test-core [CORE_DB=kam_core]        Odoo's tests of sale, crm, account... with the addon installed"
	@echo "make test-core-baseline [CORE_BASE_DB=kam_core_base]  same without the addon: rewrites tests/core_baseline.txt"
	@echo "make setup                               only scripts/setup.sh"
	@echo "make lint                                ruff check + format check, pylint-odoo with OCA's mandatory checks"
	@echo "make readme                              README.rst of both addons from their readme/*.md (oca-gen-addon-readme)"

setup:
	@scripts/setup.sh

run:
	@scripts/run.sh

test:
	@scripts/test.sh

test-core:
	@scripts/test_core.sh

test-core-baseline:
	@scripts/test_core.sh --baseline

lint: setup
	@test -x .venv/bin/ruff || .venv/bin/pip install -q "ruff==$(RUFF_VERSION)"
	@.venv/bin/pip show -q pylint-odoo 2>/dev/null || .venv/bin/pip install -q "pylint-odoo==$(PYLINT_ODOO_VERSION)"
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/pylint --rcfile=.pylintrc-mandatory key_account_management key_account_management_margin

readme: setup
	@scripts/gen_readme.sh

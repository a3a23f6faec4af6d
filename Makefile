# key_account_management: the two commands are `make run` and `make test`.
# The logic lives in scripts/; this file only passes the knobs on.

WORKERS   ?= 0
HTTP_PORT ?= 8069
TEST_DB   ?= kam_test
RUFF_VERSION ?= 0.17.6

export WORKERS HTTP_PORT TEST_DB

.PHONY: help setup run test lint

help:
	@echo "make run   [WORKERS=0] [HTTP_PORT=8069]  set up, install/update kam_demo, serve Odoo"
	@echo "make test  [TEST_DB=kam_test]            fresh test database, Odoo tests, then pytest tests/"
	@echo "make setup                               only scripts/setup.sh"
	@echo "make lint                                ruff check + format check (not part of make test)"

setup:
	@scripts/setup.sh

run:
	@scripts/run.sh

test:
	@scripts/test.sh

lint: setup
	@test -x .venv/bin/ruff || .venv/bin/pip install -q "ruff==$(RUFF_VERSION)"
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

# The two set-up commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
FLASK := $(VENV)/bin/flask --app wsgi
# Test processes for `make test`: one per core, at least two.
TEST_PROCESSES ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ $$n -lt 2 ] && n=2; echo $$n)

.PHONY: run test lint bench clean-venv

$(VENV)/installed: requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/installed-dev: $(VENV)/installed requirements-dev.txt
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

## make run: install, migrate, seed the demo firm (once) and serve on http://127.0.0.1:5000
run: export PORTAL_SANDBOX ?= 1
run: $(VENV)/installed
	$(FLASK) db upgrade
	$(FLASK) demo seed
	$(FLASK) run --host 127.0.0.1 --port 5000 --with-threads

## make test: install what the tests need and run the whole suite, in one process per core
test: $(VENV)/installed-dev
	$(VENV)/bin/pytest -n $(TEST_PROCESSES)

lint: $(VENV)/installed-dev
	$(VENV)/bin/ruff check portal tests bench

clean-venv:
	rm -rf $(VENV)

# SmartAlex Contacts: `make run` starts the product, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
DEMO_CONTACTS ?= 250
STAMP := $(VENV)/.installed

.PHONY: run test lint venv migrate worker clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

migrate: venv
	$(PY) manage.py migrate --noinput

run: migrate
	$(PY) manage.py bootstrap_demo --contacts $(DEMO_CONTACTS)
	@echo "Serving on http://127.0.0.1:$(PORT)/ (admin: /admin/) with the task worker. Ctrl-C stops both."
	@trap 'kill 0' INT TERM EXIT; \
	$(PY) manage.py db_worker --interval 0.5 & \
	$(PY) manage.py runserver 127.0.0.1:$(PORT) --noreload

worker: venv
	$(PY) manage.py db_worker

test: venv
	$(PY) -m ruff check .
	$(PY) manage.py makemigrations --check --dry-run --settings=smartalex.settings.test
	$(PY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(PY) -m ruff check .

clean:
	rm -rf $(VENV) staticfiles var .pytest_cache

# SmartAlex Contacts: `make run` starts the product, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
DEMO_CONTACTS ?= 250
STAMP := $(VENV)/.installed

.PHONY: run test lint venv migrate worker clean serve-prod worker-prod webhooks-prod

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
	@echo "Serving on http://127.0.0.1:$(PORT)/ (admin: /admin/) with the task worker and the webhook and dialer sweeps. Ctrl-C stops all."
	@trap 'kill 0' INT TERM EXIT; \
	$(PY) manage.py db_worker --interval 0.5 & \
	$(PY) manage.py deliver_webhooks --loop 15 & \
	$(PY) manage.py dialer_sweep --loop 30 & \
	$(PY) manage.py runserver 127.0.0.1:$(PORT) --noreload

worker: venv
	$(PY) manage.py db_worker

test: venv
	$(PY) -m ruff check .
	$(PY) manage.py makemigrations --check --dry-run --settings=smartalex.settings.test
	$(PY) -m pytest $(PYTEST_ARGS)

# Production: `SECRET_KEY=... ALLOWED_HOSTS=... DATABASE_URL=postgres://... make serve-prod` (see README).
serve-prod: venv
	DJANGO_SETTINGS_MODULE=smartalex.settings.production $(PY) manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=smartalex.settings.production $(PY) manage.py collectstatic --noinput -v0
	DJANGO_SETTINGS_MODULE=smartalex.settings.production $(VENV)/bin/gunicorn -c gunicorn.conf.py

# The task worker: RQ when TASKS_BACKEND=rq (REDIS_URL), else the database worker. Run one or more.
worker-prod: venv
	@if [ "$$TASKS_BACKEND" = "rq" ]; then \
	  DJANGO_SETTINGS_MODULE=smartalex.settings.production exec $(PY) manage.py rqworker default --job-class django_tasks_rq.Job --with-scheduler; \
	else \
	  DJANGO_SETTINGS_MODULE=smartalex.settings.production exec $(PY) manage.py db_worker; \
	fi

# The webhook sweep: retries and deliveries a killed worker left in flight (README "Webhooks"). Run one.
webhooks-prod: venv
	DJANGO_SETTINGS_MODULE=smartalex.settings.production exec $(PY) manage.py deliver_webhooks --loop 15

lint: venv
	$(PY) -m ruff check .

clean:
	rm -rf $(VENV) staticfiles var .pytest_cache

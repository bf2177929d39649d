# The two commands a newcomer needs: `make run` and `make test`. See README.md.
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
TEST_SECRET := insecure-key-for-tests-only

.PHONY: run test lint serve clean

$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

run: export DJANGO_DEBUG := 1
run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo ""
	@echo "The clinic app is running at http://127.0.0.1:$(PORT)/ (staff: http://127.0.0.1:$(PORT)/staff/)"
	@echo "Press Ctrl+C to stop."
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SECRET_KEY=$(TEST_SECRET) $(VENV)/bin/mypy .

test: export DJANGO_SECRET_KEY ?= $(TEST_SECRET)
test: $(VENV)/.installed lint
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest

# Production-style serving: DEBUG off, hashed and compressed static files served by whitenoise.
# Four single-threaded (sync) workers, two per core, behind the TLS proxy (README: Deploying).
serve: $(VENV)/.installed
	$(PY) manage.py collectstatic --noinput
	$(PY) manage.py migrate --noinput
	$(VENV)/bin/gunicorn clinic.wsgi --workers 4 --worker-class gthread --bind 127.0.0.1:$(PORT) --no-control-socket

clean:
	rm -rf $(VENV) var staticfiles artifacts

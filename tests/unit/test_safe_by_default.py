"""Safe by default: every unsafe behaviour (the unauthenticated test endpoints, loopback and private
webhook URLs, a development session secret, the unauthenticated job status) is off unless its
variable turns it on, whatever the stage is called; only `make run` and the test stacks do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from chalicelib.config import UNSAFE_OPT_INS, ConfigError, session_secret, settings
from chalicelib.domain.audit import Actor
from chalicelib.domain.deliveries import url_error
from chalicelib.domain.errors import ROUTE_NOT_FOUND_DESCRIPTION, BadRequest
from chalicelib.services import jobs_status, merchants
from infra.local.stack import configuration_problems, stack_environment
from tests.support import stack as test_stack

ROOT = Path(__file__).resolve().parents[2]
STAGES = ("staging", "production", "prod", "dev", "local")
# Every variable that turns an unsafe behaviour on, and SESSION_SECRET: none is set in these tests
# unless a test sets it.
UNSAFE_VARIABLES = (*UNSAFE_OPT_INS, "SESSION_SECRET")
LOOPBACK_URLS = ("http://127.0.0.1:4000/webhook", "http://localhost/hook", "http://10.0.0.7/hook", "http://[::1]/")
NOT_FOUND = {"error": {"code": "NOT_FOUND_ERROR", "description": ROUTE_NOT_FOUND_DESCRIPTION}}
TEST_ROUTES = (
    ("GET", "/api/v1/test/merchant"),
    ("POST", "/api/v1/test/merchants"),
    ("GET", "/api/v1/test/jobs/status"),
)


@pytest.fixture
def stage(request, monkeypatch) -> Iterator[str]:
    for name in (*UNSAFE_VARIABLES, "STAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STAGE", request.param)
    settings.cache_clear()
    yield request.param
    settings.cache_clear()


def opt_in(monkeypatch) -> None:
    for name, value in UNSAFE_OPT_INS.items():
        monkeypatch.setenv(name, value)
    settings.cache_clear()


def call(method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    from chalice.test import Client

    import app

    with Client(app.app, stage_name="no-such-stage") as client:  # no .chalice environment
        response = client.http.request(
            method, path, body=json.dumps(body or {}).encode(), headers={"content-type": "application/json"}
        )
    return response.status_code, json.loads(response.body)


@pytest.mark.parametrize("stage", STAGES, indirect=True)
def test_without_flags_no_stage_has_test_endpoints_loopback_webhooks_or_a_dev_secret(stage):
    current = settings()
    assert current.test_endpoints is False
    assert current.webhook_block_private_urls is True
    assert current.allow_dev_session_secret is False
    assert current.webhook_allow_http is False
    assert (
        url_error("http://merchant.example/hooks", current.webhook_block_private_urls) == "Webhook URL must use https"
    )
    with pytest.raises(ConfigError) as refused:
        session_secret()
    assert "SESSION_SECRET is not set" in str(refused.value) and "ALLOW_DEV_SESSION_SECRET=true" in str(refused.value)
    for url in LOOPBACK_URLS:
        with pytest.raises(BadRequest, match="private or loopback"):
            merchants.update_webhook("m1", url, None, actor=Actor("api_key", "key_m1"))


@pytest.mark.parametrize("stage", STAGES, indirect=True)
def test_with_the_flags_every_stage_has_them(stage, monkeypatch):
    opt_in(monkeypatch)
    current = settings()
    assert current.test_endpoints is True and current.webhook_block_private_urls is False
    assert current.webhook_allow_http is True
    assert all(url_error(url, current.webhook_block_private_urls) is None for url in LOOPBACK_URLS)
    assert session_secret() == f"local-development-session-secret-{stage}"
    monkeypatch.setenv("SESSION_SECRET", "s" * 40)
    settings.cache_clear()
    assert session_secret() == "s" * 40  # a configured secret always wins over the development one


@pytest.mark.parametrize("stage", STAGES, indirect=True)
def test_without_a_session_secret_the_api_serves_nothing(stage, monkeypatch):
    """As on Lambda, where there is no start to refuse: every request is refused, the log says why."""
    from chalicelib.api import readiness

    logged: list[str] = []
    monkeypatch.setattr(readiness.logger, "error", lambda message, *args, **kwargs: logged.append(message))
    for method, path in (("GET", "/health"), ("GET", "/api/v1/orders"), ("POST", "/api/v1/dashboard/login")):
        status, body = call(method, path, {"email": "a@example.com", "password": "x"})
        assert status == 500, (method, path)
        assert body["error"]["code"] == "SERVER_ERROR"
        assert "SESSION_SECRET" not in json.dumps(body)  # the log names it, not the caller
    assert len(logged) == 3 and all(line.startswith("refusing to serve: SESSION_SECRET is not set") for line in logged)


@pytest.mark.parametrize("stage", STAGES, indirect=True)
def test_without_test_endpoints_the_test_routes_answer_as_unknown_routes(stage, monkeypatch):
    monkeypatch.setenv("SESSION_SECRET", "s" * 40)
    settings.cache_clear()
    for method, path in TEST_ROUTES:
        assert call(method, path, {"name": "x"}) == (404, NOT_FOUND), (method, path)


@pytest.mark.parametrize("stage", STAGES, indirect=True)
def test_with_test_endpoints_the_test_routes_answer(stage, monkeypatch):
    opt_in(monkeypatch)
    monkeypatch.setattr(merchants, "test_merchant_summary", lambda: {"id": "m", "seeded": True})
    monkeypatch.setattr(merchants, "create_for_testing", lambda name, url: {"id": "m2", "name": name})
    monkeypatch.setattr(jobs_status, "status", lambda: {"pending": 0})
    assert call("GET", "/api/v1/test/merchant") == (200, {"id": "m", "seeded": True})
    assert call("POST", "/api/v1/test/merchants", {"name": "x"}) == (201, {"id": "m2", "name": "x"})
    assert call("GET", "/api/v1/test/jobs/status") == (200, {"pending": 0})


@pytest.mark.parametrize("stage", ["staging", "production"])
def test_the_api_server_refuses_to_start_without_a_session_secret(stage):
    env = {name: value for name, value in os.environ.items() if name not in UNSAFE_VARIABLES}
    env.update({"STAGE": stage, "PYTHONPATH": str(ROOT), "API_PORT": "1"})  # never bound: it stops first
    done = subprocess.run(
        [sys.executable, "-m", "infra.local.api_server"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "refusing to start: SESSION_SECRET is not set" in done.stderr and "Traceback" not in done.stderr


def test_make_run_turns_the_unsafe_behaviours_on_and_says_so():
    env = stack_environment({"STAGE": "local"})
    assert {name: env[name] for name in UNSAFE_OPT_INS} == UNSAFE_OPT_INS
    assert configuration_problems(env) == []
    # Set in the shell, a value wins over make run's own; without any session secret it stops.
    env = stack_environment({"STAGE": "local", "ALLOW_DEV_SESSION_SECRET": "false"})
    assert [problem for problem in configuration_problems(env) if "SESSION_SECRET" in problem] != []


def test_the_test_stacks_opt_in_to_exactly_what_make_run_does():
    assert test_stack.UNSAFE_OPT_INS == UNSAFE_OPT_INS

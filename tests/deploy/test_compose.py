"""docker-compose.localstack.yml, checked without a Docker engine: its services, pinned images,
ports, environment and Docker socket, and that the gateway runs the very `make run` path."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import yaml

from infra.local.stack import stack_environment, wants_emulator
from tests.support.stack import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.localstack.yml").read_text())
SERVICES = COMPOSE["services"]
LOCALSTACK_IMAGE = "localstack/localstack:4.14.0"
DOCKER_SOCKET = "/var/run/docker.sock"


def dockerfile() -> str:
    build = SERVICES["gateway"]["build"]
    return (ROOT / build["context"] / build["dockerfile"]).read_text()


def published(port_spec: str) -> tuple[str, int, int]:
    """ "127.0.0.1:4566:4566" -> ("127.0.0.1", 4566, 4566); "4566:4566" -> ("0.0.0.0", ...)."""
    parts = str(port_spec).split(":")
    host = parts[0] if len(parts) == 3 else "0.0.0.0"
    return host, int(parts[-2]), int(parts[-1])


def test_two_services_localstack_and_the_gateway():
    assert sorted(SERVICES) == ["gateway", "localstack"]


def test_localstack_is_pinned_and_publishes_its_edge_port():
    localstack = SERVICES["localstack"]
    assert localstack["image"] == LOCALSTACK_IMAGE
    assert [published(port)[1:] for port in localstack["ports"]] == [(4566, 4566)]


def test_localstack_gets_the_docker_socket_for_lambda():
    volumes = SERVICES["localstack"]["volumes"]
    assert f"{DOCKER_SOCKET}:{DOCKER_SOCKET}" in volumes


def test_every_image_is_pinned_to_a_version():
    assert re.fullmatch(r"localstack/localstack:\d+\.\d+\.\d+", SERVICES["localstack"]["image"])
    bases = re.findall(r"^FROM\s+(\S+)", dockerfile(), flags=re.MULTILINE)
    assert bases, "the gateway's Dockerfile names its base images"
    for image in bases:
        assert re.search(r":\d+\.\d+\.\d+", image), f"{image} is not pinned to a version"


def test_the_gateway_runs_the_make_run_path():
    gateway = SERVICES["gateway"]
    assert gateway["command"] == ["make", "run"]
    assert re.search(r'^CMD \["make", "run"\]$', dockerfile(), flags=re.MULTILINE)
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^run:.*\n((?:\t.*\n)+)", makefile, flags=re.MULTILINE)
    assert recipe and "-m infra.local.stack" in recipe.group(1)


def test_the_gateway_uses_localstack_and_not_the_embedded_emulator():
    gateway = SERVICES["gateway"]
    env = {name: str(value) for name, value in gateway["environment"].items()}
    endpoint = urlsplit(env["AWS_ENDPOINT_URL"])
    assert not wants_emulator(stack_environment(env))
    # The gateway shares the host's network (its servers listen on 127.0.0.1, as with `make run`),
    # so LocalStack is reached where the compose file publishes it.
    assert gateway["network_mode"] == "host"
    host, host_port, _ = published(SERVICES["localstack"]["ports"][0])
    assert (endpoint.hostname, endpoint.port) == (host, host_port)
    assert stack_environment(env)["STAGE"] == "local"
    assert env["AWS_ACCESS_KEY_ID"] and env["AWS_SECRET_ACCESS_KEY"] and env["AWS_DEFAULT_REGION"]


def test_the_gateway_waits_for_a_healthy_localstack_and_has_its_own_healthcheck():
    gateway, localstack = SERVICES["gateway"], SERVICES["localstack"]
    assert gateway["depends_on"]["localstack"]["condition"] == "service_healthy"
    assert any("/_localstack/health" in part for part in localstack["healthcheck"]["test"])
    assert any(part.endswith(":8000/health") for part in gateway["healthcheck"]["test"])


@pytest.mark.parametrize("path", [".venv", "**/node_modules", "**/dist", ".git"])
def test_the_build_context_leaves_out_what_the_host_built(path):
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert path in ignored


def test_the_compose_localstack_is_the_version_make_test_localstack_runs():
    """What `make test-localstack` runs on the host (localstack-core from requirements-localstack.txt)
    is the LocalStack the compose file pulls, so the tested data plane is the composed one."""
    locked = re.search(r"^localstack-core==(\S+)", (ROOT / "requirements-localstack.txt").read_text(), re.MULTILINE)
    assert locked is not None, "requirements-localstack.txt pins no localstack-core"
    assert SERVICES["localstack"]["image"] == f"localstack/localstack:{locked.group(1)}"

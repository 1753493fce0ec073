"""`make run`: the whole local stack, supervised.

    python -m infra.local.stack

Starts, as separate processes: the embedded AWS emulators (unless AWS_ENDPOINT_URL points
elsewhere): AWS's DynamoDB Local for DynamoDB (unless AWS_ENDPOINT_URL_DYNAMODB is set) and a moto
server for SQS and KMS; then provisions every table and queue (and migrates the schema) and seeds
the test merchant, queues again the pending work the state folder holds, then the HTTP API, the
SQS-triggered functions under the event-source emulation, the example webhook receiver, the expiry
sweep, and the checkout and dashboard servers. A function or server that dies is restarted; the
emulator keeps all state meanwhile. Ctrl-C stops everything, and every child also dies with this
process if it is killed.

The embedded emulators keep their state in the state folder (infra/local/state.py: LOCAL_STATE_DIR,
`.state/` by default): DynamoDB Local's data and the KMS keys that seal the secrets in it. SQS
stays in memory; infra/local/resume.py queues the pending jobs again at start. FRESH=1 deletes the
folder first.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from chalicelib.config import UNSAFE_OPT_INS, ConfigError, flag_value, session_secret, settings
from chalicelib.jobs import sources

from ..migrations.runner import NEWER_SCHEMA_EXIT
from . import state
from .expiry_sweep import interval_seconds
from .moto_version import UNSUPPORTED_MOTO_EXIT, moto_version_problem
from .processes import spawn, stop, wait_for_http

ROOT = Path(__file__).resolve().parents[2]
RESTART_BACKOFF_SECONDS = 1.0
CONFIGURATION_EXIT = 2  # a setting with a value it does not accept: nothing was started


def chalice_stage_environment(stage: str) -> dict[str, str]:
    """The stage's environment_variables in .chalice/config.json, merged the way Chalice merges
    them for `chalice local` and deployments; empty for a stage that is not there (tests)."""
    path = ROOT / ".chalice" / "config.json"
    if not path.is_file():
        return {}
    from chalice.config import Config

    return dict(Config(chalice_stage=stage, config_from_disk=json.loads(path.read_text())).environment_variables)


def stack_environment(base: dict[str, str]) -> dict[str, str]:
    env = dict(base)
    # The local stack, and nothing else, turns on what no deployed stage may have (test endpoints,
    # loopback webhook URLs, the development session secret): every stage in .chalice/config.json
    # is safe, whatever its name. Variables already set win, as they do over the stage's own.
    for name, value in UNSAFE_OPT_INS.items():
        env.setdefault(name, value)
    for name, value in chalice_stage_environment(env.get("STAGE") or "local").items():
        env.setdefault(name, value)
    defaults = {
        "STAGE": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
        "EMULATOR_PORT": "4566",
        "DYNAMODB_LOCAL_PORT": "8001",
        "API_PORT": "8000",
        "CHECKOUT_PORT": "3001",
        "DASHBOARD_PORT": "3000",
        "RECEIVER_PORT": "4000",
    }
    for name, value in defaults.items():
        env.setdefault(name, value)
    env.setdefault("AWS_REGION", env["AWS_DEFAULT_REGION"])
    env.setdefault("API_URL", f"http://127.0.0.1:{env['API_PORT']}")
    env.setdefault("CHECKOUT_URL", f"http://127.0.0.1:{env['CHECKOUT_PORT']}")
    env.setdefault("TEST_MERCHANT_WEBHOOK_URL", f"http://127.0.0.1:{env['RECEIVER_PORT']}/webhook")
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


EMULATOR_MODES = {
    "auto": "start the embedded emulator unless AWS_ENDPOINT_URL is set",
    "moto": "always start it",
    "none": "never start it (LocalStack, AWS)",
}
# The local stack's own boolean switches; the gateway's are checked by chalicelib.config.settings().
STACK_FLAGS = {"EMULATOR_TUNING": True, "EMULATOR_ACCESS_LOG": False, "API_ACCESS_LOG": True, "FRESH": False}


def configuration_problems(env: dict[str, str]) -> list[str]:
    """Every enumerated setting with a value it does not accept, each with what it accepts."""
    problems = []
    mode = env.get("EMULATOR", "auto")
    if mode not in EMULATOR_MODES:
        accepted = "; ".join(f"{name}: {meaning}" for name, meaning in EMULATOR_MODES.items())
        problems.append(f"EMULATOR must be one of {', '.join(EMULATOR_MODES)} ({accepted}), not {mode!r}")
    for name, default in STACK_FLAGS.items():
        try:
            flag_value(name, env.get(name), default)
        except ConfigError as error:
            problems.append(str(error))
    folder_problem = state.problem(state.state_dir(env))
    if folder_problem is not None:
        problems.append(folder_problem)
    try:
        interval_seconds(env)
    except ConfigError as error:
        problems.append(str(error))
    with _environment(env):
        settings.cache_clear()
        try:
            settings()
            for key in sources.DEFAULTS:  # SQS_<key>_BATCH_SIZE and friends, read when app.py loads
                try:
                    sources.event_source(key)
                except ValueError as error:
                    problems.append(str(error))
            session_secret()  # the API server would refuse to start without one
        except ConfigError as error:  # settings() stops at its first bad value
            problems.append(str(error))
        finally:
            settings.cache_clear()
    return problems


@contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    """The children's environment, for reading their settings the way they will."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def wants_emulator(env: dict[str, str]) -> bool:
    mode = env.get("EMULATOR", "auto")
    if mode == "moto":
        return True
    return mode == "auto" and not env.get("AWS_ENDPOINT_URL")


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def say(message: str) -> None:
    print(f"stack: {message}", flush=True)


@dataclass
class Child:
    name: str
    module: str
    ready_url: str | None = None
    restart: bool = True
    process: subprocess.Popen | None = None
    restarts: int = field(default=0)


class Supervisor:
    def __init__(self, env: dict[str, str]):
        self.env = env
        self.children: list[Child] = []
        self.stopping = threading.Event()
        self.state_lock: object | None = None  # the state folder's lock, held while the stack runs
        self.resuming = False

    def start(self, child: Child) -> None:
        child.process = spawn(child.module, self.env, log=subprocess.PIPE)
        threading.Thread(target=self._relay, args=(child, child.process), daemon=True).start()
        if child not in self.children:
            self.children.append(child)

    @staticmethod
    def _relay(child: Child, process: subprocess.Popen) -> None:
        assert process.stdout is not None  # spawned with log=PIPE
        for line in iter(process.stdout.readline, b""):
            sys.stdout.write(f"[{child.name}] {line.decode(errors='replace')}")
            sys.stdout.flush()

    def wait_ready(self, child: Child, timeout: float = 60) -> None:
        if child.ready_url and not wait_for_http(child.ready_url, timeout, child.process):
            if child.process is not None and child.process.poll() == UNSUPPORTED_MOTO_EXIT:
                raise SystemExit(UNSUPPORTED_MOTO_EXIT)  # it said why (its output above)
            raise SystemExit(f"stack: {child.name} did not start (see its output above)")

    def watch(self) -> int:
        """Until Ctrl-C (0) or a child that must not restart exits (its exit code, or 1)."""
        while not self.stopping.wait(0.5):
            for child in self.children:
                code = child.process.poll() if child.process is not None else None
                if code is None or self.stopping.is_set():
                    continue
                if not child.restart or code == UNSUPPORTED_MOTO_EXIT:  # restarting would fail the same way
                    say(f"{child.name} exited with code {code}; stopping the stack")
                    self.stopping.set()
                    return code or 1
                child.restarts += 1
                say(f"{child.name} exited with code {code}; restarting it (emulator state is intact)")
                if self.stopping.wait(RESTART_BACKOFF_SECONDS):  # Ctrl-C during the backoff stops at once
                    return 0
                self.start(child)
        return 0

    def stop_all(self) -> None:
        for child in reversed(self.children):
            if child.process is not None:
                stop(child.process)


def main() -> int:
    env = stack_environment(dict(os.environ))
    supervisor = Supervisor(env)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: supervisor.stopping.set())
    try:
        return run(supervisor, env)
    finally:
        say("stopping every process")
        supervisor.stop_all()


def run(supervisor: Supervisor, env: dict[str, str]) -> int:
    problems = configuration_problems(env)
    if problems:
        for line in problems:
            say(line)
        say("nothing was started: fix the settings named above")
        return CONFIGURATION_EXIT
    if wants_emulator(env):
        problem = moto_version_problem()  # before starting anything: the emulator would refuse to start
        if problem is not None:
            say(problem)
            return UNSUPPORTED_MOTO_EXIT
    ports = {
        "API_PORT": "API",
        "RECEIVER_PORT": "webhook receiver",
        "CHECKOUT_PORT": "checkout",
        "DASHBOARD_PORT": "dashboard",
    }
    if wants_emulator(env):
        ports["EMULATOR_PORT"] = "AWS emulator"
        if not env.get("AWS_ENDPOINT_URL_DYNAMODB"):
            ports["DYNAMODB_LOCAL_PORT"] = "DynamoDB Local"
    busy = [f"{label} port {env[name]} ({name})" for name, label in ports.items() if port_in_use(int(env[name]))]
    if busy:
        say("these ports are already in use: " + ", ".join(busy))
        say("another `make run` may be running; stop it, or choose other ports with the variables named")
        return 1
    folder: state.StateFolder | None = None
    if wants_emulator(env):
        folder = state.StateFolder(state.state_dir(env))
        try:
            supervisor.state_lock, supervisor.resuming = open_state(
                folder, flag_value("FRESH", env.get("FRESH"), False)
            )
        except RuntimeError as error:
            say(str(error))
            return 1
        env["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{env['EMULATOR_PORT']}"
        env.setdefault("AWS_ACCESS_KEY_ID", "test")
        env.setdefault("AWS_SECRET_ACCESS_KEY", "test")
        env["EMULATOR_KMS_KEYS_FILE"] = str(folder.kms_keys)
        if not env.get("AWS_ENDPOINT_URL_DYNAMODB"):
            env["AWS_ENDPOINT_URL_DYNAMODB"] = f"http://127.0.0.1:{env['DYNAMODB_LOCAL_PORT']}"
            env["DYNAMODB_LOCAL_DB_PATH"] = str(folder.dynamodb)
            say(f"starting DynamoDB Local (AWS's own emulator) on {env['AWS_ENDPOINT_URL_DYNAMODB']}")
            database = Child("dynamodb", "infra.local.dynamodb_local", env["AWS_ENDPOINT_URL_DYNAMODB"], restart=False)
            supervisor.start(database)
        say(f"starting the embedded AWS emulator (moto server, for SQS and KMS) on {env['AWS_ENDPOINT_URL']}")
        emulator = Child("emulator", "infra.local.emulator", env["AWS_ENDPOINT_URL"] + "/moto-api/", restart=False)
        supervisor.start(emulator)
        for child in supervisor.children:
            supervisor.wait_ready(child)
    else:
        say(f"using the AWS endpoint {env.get('AWS_ENDPOINT_URL') or 'of AWS itself'} (no embedded emulator)")
    say(f"creating tables and queues for stage '{env['STAGE']}' and seeding the test merchant")
    # With the embedded emulators, this stack's SQS is new and empty: the same process then queues
    # again what the state says is waiting (infra/local/resume.py), and prints what it found last.
    command = ["infra.local.resume", "--provision"] if folder is not None else ["infra.provision", "--seed"]
    provision = subprocess.run([sys.executable, "-m", *command], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    lines = provision.stdout.strip().splitlines()
    for line in lines[:-1] if folder is not None and provision.returncode == 0 else lines:
        print(line, flush=True)
    if provision.returncode == NEWER_SCHEMA_EXIT:
        say("the state's schema is newer than this code: nothing else was started (see above)")
        return NEWER_SCHEMA_EXIT
    if provision.returncode != 0:
        say("provisioning, or queueing the pending work again, failed (see above)")
        return 1
    state_line = f"kept by {env.get('AWS_ENDPOINT_URL_DYNAMODB') or env.get('AWS_ENDPOINT_URL') or 'AWS'}"
    if folder is not None:
        state_line = state_summary(folder, supervisor.resuming, json.loads(lines[-1]))
        say(state_line)
    api_url = f"http://127.0.0.1:{env['API_PORT']}"
    children = [
        Child("api", "infra.local.api_server", api_url + "/health"),
        Child("functions", "infra.local.functions"),
        Child("receiver", "infra.local.receiver"),
    ]
    if env.get("DYNAMODB_LOCAL_DB_PATH"):  # bounds the state whatever the jar's own TTL does (expiry_sweep.py)
        children.append(Child("expiry-sweep", "infra.local.expiry_sweep"))
    for module, name, dist in (
        ("infra.local.checkout_server", "checkout", "checkout/dist"),
        ("infra.local.dashboard_server", "dashboard", "dashboard/dist"),
    ):
        if (ROOT / dist).is_dir() and (ROOT / (module.replace(".", "/") + ".py")).is_file():
            children.append(Child(name, module))
        else:
            say(f"{name}: no build in {dist}; `make run` builds it (skipping it here)")
    for child in children:
        supervisor.start(child)
    for child in children:
        supervisor.wait_ready(child)
    banner(env, [child.name for child in children], state_line)
    return supervisor.watch()


def open_state(folder: state.StateFolder, fresh: bool) -> tuple[object, bool]:
    """Hold the state folder for this stack (deleting it first when `fresh`): (the lock, whether
    there was state to resume). RuntimeError: another stack holds it."""
    if fresh and folder.exists():
        folder.delete()  # refuses while another stack holds it
        say(f"FRESH: deleted the state in {folder.path}")
    resuming = folder.exists()
    folder.create()
    lock = folder.lock()
    if lock is None:
        raise RuntimeError(f"another `make run` is using the state in {folder.path}: stop it first")
    return lock, resuming


def state_summary(folder: state.StateFolder, resuming: bool, found: dict) -> str:
    if not resuming:
        return f"started fresh (state kept in {folder.path})"
    counts, requeued = found["counts"], found["requeued"]
    held = ", ".join(f"{counts[name]} {name}" for name in ("orders", "payments", "refunds", "deliveries", "sessions"))
    jobs = sum(requeued.values())
    detail = ", ".join(f"{count} {name}" for name, count in requeued.items() if count)
    return f"resumed state from {folder.path} ({held}; {jobs} pending jobs re-queued{': ' + detail if detail else ''})"


def banner(env: dict[str, str], running: list[str], state_line: str = "") -> None:
    from chalicelib.services.merchants import TEST_MERCHANT

    lines = [
        "",
        "The payment gateway is running. Ctrl-C stops everything.",
        "",
        f"  API               http://127.0.0.1:{env['API_PORT']}   (health: /health, OpenAPI: /openapi.json)",
    ]
    if "dashboard" in running:
        lines.append(f"  Dashboard         http://127.0.0.1:{env['DASHBOARD_PORT']}")
    if "checkout" in running:
        lines.append(f"  Checkout demo     http://127.0.0.1:{env['CHECKOUT_PORT']}/demo")
        lines.append(f"  checkout.js       http://127.0.0.1:{env['CHECKOUT_PORT']}/checkout.js")
        lines.append(f"  Razorpay's        http://127.0.0.1:{env['CHECKOUT_PORT']}/v1/checkout.js   (window.Razorpay)")
    lines += [
        f"  Webhook receiver  {env['TEST_MERCHANT_WEBHOOK_URL']}",
        f"  AWS endpoint      {env.get('AWS_ENDPOINT_URL') or 'AWS'}   (stage '{env['STAGE']}')",
        f"  DynamoDB          {env.get('AWS_ENDPOINT_URL_DYNAMODB') or env.get('AWS_ENDPOINT_URL') or 'AWS'}",
        f"  State             {state_line}",
        "  Local only        " + ", ".join(f"{name}={env.get(name, '')}" for name in UNSAFE_OPT_INS),
        "",
        "  Test merchant",
        f"    API key         {TEST_MERCHANT['api_key']}",
        f"    API secret      {TEST_MERCHANT['api_secret']}",
        f"    Webhook secret  {TEST_MERCHANT['webhook_secret']}",
        f"    Dashboard login {TEST_MERCHANT['email']} / {TEST_MERCHANT['password']}",
        "",
        f"  Try: curl -u {TEST_MERCHANT['api_key']}:{TEST_MERCHANT['api_secret']} "
        f"-H 'Content-Type: application/json' -d '{{\"amount\": 50000}}' http://127.0.0.1:{env['API_PORT']}/api/v1/orders",
        "",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())

"""LocalStack on the host, without Docker: the settings `make test-localstack` and the compose file share.

    LOCALSTACK_PYTHON=.venv-localstack/bin/python python -m infra.localstack_host --port 4566

LocalStack's runtime (`localstack-core`, Python >= 3.12) runs in its own virtualenv
(.venv-localstack, from requirements-localstack.txt). Only the services the gateway calls are
started: SQS (the job queues, their dead-letter queues) and KMS (the key that seals merchants'
secrets). DynamoDB is not among them: LocalStack's DynamoDB wraps AWS's DynamoDB Local plus a JRE
and jars its installer downloads at first use, so the gateway points AWS_ENDPOINT_URL_DYNAMODB at
its own DynamoDB Local (infra/dynamodb_local) and everything else at LocalStack (AWS_ENDPOINT_URL).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path

# What the gateway's code calls (chalicelib/aws.py's clients): SQS and KMS; DynamoDB goes elsewhere.
SERVICES = "sqs,kms"


def localstack_env(port: int, data_dir: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment LocalStack runs in on the host (the compose file sets the same SERVICES)."""
    env = {name: value for name, value in (base if base is not None else os.environ).items()}
    env.update(
        {
            # Outside Docker: without it, LocalStack takes a container's paths and checks for granted.
            "OVERRIDE_IN_DOCKER": "0",
            "GATEWAY_LISTEN": f"127.0.0.1:{port}",
            # Queue URLs name this address (not localhost.localstack.cloud:4566, which needs its DNS).
            "LOCALSTACK_HOST": f"127.0.0.1:{port}",
            "SQS_ENDPOINT_STRATEGY": "path",
            "SERVICES": SERVICES,
            "EAGER_SERVICE_LOADING": "1",
            # No DNS server (it would try to bind port 53), no certificate download, no analytics.
            "DNS_ADDRESS": "0",
            "SKIP_SSL_CERT_DOWNLOAD": "1",
            "DISABLE_EVENTS": "1",
            "DEBUG": "0",
            # Its state folders, which default to inside the virtualenv's site-packages on the host.
            "FILESYSTEM_ROOT": str(data_dir),
            "PERSISTENCE": "0",
        }
    )
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument("--data-dir", type=Path, default=Path(".localstack"))
    args = parser.parse_args()
    python = os.environ.get("LOCALSTACK_PYTHON", ".venv-localstack/bin/python")
    args.data_dir.mkdir(parents=True, exist_ok=True)
    env = localstack_env(args.port, args.data_dir.resolve())
    os.execve(python, [python, "-m", "localstack.runtime.main"], env)
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main())

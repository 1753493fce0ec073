"""How each job queue's visibility timeout and maxReceiveCount follow from the code that uses it.

- The webhook function's timeout follows from WEBHOOK_TIMEOUT_SECONDS (webhook_function_timeout):
  an attempt's total deadline, plus what its batch writes. The webhook queue's visibility is the
  delivery's ownership (no lease): it outlives the worst-case attempt many times over.
- Visibility timeout: AWS's guidance for a queue that feeds a Lambda function is at least six
  times the function's timeout (a batch can be retried by Lambda, and a crashed invocation's
  messages must not reappear while another invocation still works on them).
- maxReceiveCount: a message legitimately comes back many times while it waits: once per webhook
  attempt, once per chunk of a wait longer than SQS's 12-hour visibility maximum (or than
  SendMessage's 15-minute delay), and once a second while a job polls for the write it outran.
  The queue must allow all of that plus a budget of redeliveries after crashes and errors, or
  healthy work ends in the dead-letter queue. chalicelib/jobs/redrive.py computes that budget
  from the constants the services use (the functions read it too, to say when a failure sends a
  message to the dead-letter queue), so a longer retry schedule raises it
  (tests/unit/test_queue_rules.py).
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

from chalicelib.jobs.batch import RECORD_THREADS
from chalicelib.jobs.redrive import ReceiveBudget, max_receive_count, receive_budgets
from chalicelib.jobs.sources import DEFAULTS, FUNCTIONS
from chalicelib.queues import WEBHOOK_DELIVERIES

CHALICE_CONFIG = Path(__file__).resolve().parents[1] / ".chalice" / "config.json"
VISIBILITY_PER_FUNCTION_TIMEOUT = 6
"""AWS Lambda developer guide, "Using Lambda with Amazon SQS": set the source queue's visibility
timeout to at least six times the function's timeout."""


@cache
def chalice_config() -> dict:
    config: dict = json.loads(CHALICE_CONFIG.read_text())
    return config


def chalice_stages() -> dict[str, dict]:
    stages: dict[str, dict] = chalice_config()["stages"]
    return stages


WEBHOOK_FUNCTION = FUNCTIONS[WEBHOOK_DELIVERIES]
WEBHOOK_RECORD_MARGIN_SECONDS = 15
"""Beyond the attempts' deadlines, what a webhook batch needs: reading the merchants first, each
record's one write after its POST, and the batch's flush (DynamoDB calls time out at 2 s to connect
and 10 s to read, chalicelib/store/models.py)."""


def webhook_function_timeout(stage: str) -> int:
    """The webhook function's Lambda timeout, from the stage's WEBHOOK_TIMEOUT_SECONDS: its
    records' attempts run at once (RECORD_THREADS at a time), so a batch takes one deadline per
    round of threads, plus the margin. .chalice/config.json carries this value (chalice deploy
    reads the file; tests/deploy checks the two agree) and the package sets it on the template."""
    variables = chalice_stages()[stage]["environment_variables"]
    deadline = float(variables["WEBHOOK_TIMEOUT_SECONDS"])
    batch_size = int(variables.get("SQS_WEBHOOKS_BATCH_SIZE", DEFAULTS["WEBHOOKS"][1]))
    rounds = math.ceil(batch_size / RECORD_THREADS)
    return math.ceil(rounds * deadline + WEBHOOK_RECORD_MARGIN_SECONDS)


def function_timeout(function: str, stage: str) -> int:
    if function == WEBHOOK_FUNCTION:
        return webhook_function_timeout(stage)
    settings = chalice_stages()[stage]
    per_function = settings.get("lambda_functions", {}).get(function, {})
    return int(per_function.get("lambda_timeout", settings.get("lambda_timeout", 60)))


def longest_function_timeout(function: str) -> int:
    """The function's timeout in the stage that gives it the longest (every stage shares the
    queue description)."""
    return max(function_timeout(function, stage) for stage in chalice_stages())


def minimum_visibility_timeout(function: str) -> int:
    return VISIBILITY_PER_FUNCTION_TIMEOUT * longest_function_timeout(function)


def configured_function_timeout(function: str, stage: str) -> int:
    """What .chalice/config.json says (what `chalice deploy` and `chalice package` use)."""
    settings = chalice_stages()[stage]
    per_function = settings.get("lambda_functions", {}).get(function, {})
    return int(per_function.get("lambda_timeout", settings.get("lambda_timeout", 60)))


__all__ = [
    "ReceiveBudget",
    "configured_function_timeout",
    "function_timeout",
    "max_receive_count",
    "minimum_visibility_timeout",
    "receive_budgets",
    "webhook_function_timeout",
]

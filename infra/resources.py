"""The one description of the gateway's tables and queues.

Tables come from the PynamoDB models (their keys, indexes and TTL attribute); queues are listed
here with their dead-letter queues, redrive policies and visibility timeouts. The local
provisioner (infra/provision.py) and the CloudFormation template (infra/template.py) are both
generated from this module.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from pynamodb.attributes import TTLAttribute

from chalicelib import queues
from chalicelib.config import settings
from chalicelib.jobs import sources
from chalicelib.store.models import ALL_MODELS

from . import queue_rules

DLQ_RETENTION_SECONDS = 14 * 24 * 3600

PRODUCTION_STAGES = frozenset({"prod"})
"""Stages whose tables the template protects (point-in-time recovery, deletion protection) and
whose package keeps its data when the stack goes. A stage is production because it is listed
here, not because of its name's shape: `infra.template --production` covers a one-off."""


@dataclass(frozen=True)
class QueueSpec:
    logical: str
    purpose: str

    @property
    def function(self) -> str:
        """The function app.py feeds from it: its timeout sets the visibility timeout."""
        return sources.FUNCTIONS[self.logical]

    @property
    def name(self) -> str:
        return queues.queue_name(self.logical)

    @property
    def dead_letter_name(self) -> str:
        return queues.dead_letter_name(self.logical)

    @property
    def visibility_timeout(self) -> int:
        """Crash redelivery: six times the function's timeout, as AWS advises (queue_rules.py)."""
        return queue_rules.minimum_visibility_timeout(self.function)

    @property
    def max_receive_count(self) -> int:
        """Receives before the dead-letter queue: every legitimate return of a waiting message,
        plus a budget of failures (queue_rules.py)."""
        return queue_rules.max_receive_count(self.logical)


QUEUES: tuple[QueueSpec, ...] = (
    QueueSpec(queues.PAYMENT_JOBS, "payments waiting for the bank's answer"),
    QueueSpec(queues.REFUND_JOBS, "refunds waiting to be processed"),
    QueueSpec(queues.WEBHOOK_DELIVERIES, "webhook deliveries and their scheduled retries"),
)


def visibility_timeout(spec: QueueSpec) -> int:
    """Tests shorten crash redelivery with QUEUE_VISIBILITY_TIMEOUT; nothing else changes it."""
    override = os.environ.get("QUEUE_VISIBILITY_TIMEOUT")
    return int(override) if override else spec.visibility_timeout


@dataclass(frozen=True)
class TableSpec:
    name: str
    key_schema: list[dict]
    attribute_definitions: list[dict]
    global_secondary_indexes: list[dict]
    ttl_attribute: str | None


def _table_spec(model) -> TableSpec:
    schema = model._get_schema()  # PynamoDB's own description of keys and indexes
    indexes = [
        {
            "IndexName": index["index_name"],
            "KeySchema": sorted(index["key_schema"], key=lambda k: k["KeyType"] != "HASH"),
            "Projection": index["projection"],
        }
        for index in schema["global_secondary_indexes"]
    ]
    ttl = next((attr.attr_name for attr in model.get_attributes().values() if isinstance(attr, TTLAttribute)), None)
    return TableSpec(
        model.Meta.table_name,
        sorted(schema["key_schema"], key=lambda k: k["KeyType"] != "HASH"),
        sorted(schema["attribute_definitions"], key=lambda a: a["AttributeName"]),
        indexes,
        ttl,
    )


def tables() -> list[TableSpec]:
    return [_table_spec(model) for model in ALL_MODELS]


# Read and written only by infra/migrations (the provisioner, post_deploy), never by the functions:
# their IAM policies leave it out.
MIGRATIONS_ONLY_TABLES = ("schema",)


def function_tables() -> list[TableSpec]:
    """The tables the deployed functions use."""
    return [table for table in tables() if not table.name.endswith(tuple("-" + t for t in MIGRATIONS_ONLY_TABLES))]


def logical_name(name: str) -> str:
    """A table's or queue's name without this process's stage prefix ("paygw-local-orders" -> "orders")."""
    prefix = settings().resource_prefix + "-"
    if not name.startswith(prefix):
        raise ValueError(f"{name!r} does not carry the stage prefix {prefix!r}")
    return name[len(prefix) :]


def for_stage(name: str, stage: str) -> str:
    """The same table or queue in another stage: names are bound when the models are imported, so
    the template and the IAM policies of other stages rename them with config.py's own prefix."""
    return f"{replace(settings(), stage=stage).resource_prefix}-{logical_name(name)}"


# The KMS key that seals merchants' secrets at rest (chalicelib/vault.py), one per stage.
SECRETS_KEY_LOGICAL = "secrets"
SECRETS_KEY_DESCRIPTION = "Seals merchants' API and webhook secrets at rest"

"""The schema of the first release with migrations: the tables and keys of
chalicelib/store/models.py as of 2026-12-01.

Everything written before it already has this shape, so there is nothing to backfill: the step
checks that the stage's tables are there with the keys the models give them (created by the provisioner
locally, by the infrastructure template on AWS), so that later steps start from known ground and a
stage whose infrastructure was never deployed stops here with the reason, not in a later step.
Reading only, it is safe to run any number of times. Indexes are not checked: they are what
later steps add or re-key (a table's keys never change), and this step runs before them.
"""

from __future__ import annotations

from chalicelib.aws import client

VERSION = 1
DESCRIPTION = "baseline: the tables and keys of the models, as of 2026-12-01"


def apply() -> None:
    from infra.resources import tables

    dynamodb = client("dynamodb")
    problems = []
    for table in tables():
        try:
            found = dynamodb.describe_table(TableName=table.name)["Table"]
        except dynamodb.exceptions.ResourceNotFoundException:
            problems.append(f"{table.name} does not exist")
            continue
        keys = sorted(found["KeySchema"], key=lambda k: k["KeyType"] != "HASH")
        if keys != table.key_schema:
            problems.append(f"{table.name} has the keys {keys}, not {table.key_schema}")
    if problems:
        raise RuntimeError(
            "the stage's tables are not those of the baseline (deploy the infrastructure, or run "
            "infra.provision, first): " + "; ".join(problems)
        )

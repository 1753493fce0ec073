"""Bare AWS round trips on the same emulator: the baselines every API figure is divided by.

Each operation the gateway makes has a bare twin here: the same kind of request, with items
and messages of the same size (copied from what the gateway really wrote), on a scratch table
and scratch queues, sent by an uncounted botocore client with the gateway's client settings.
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Callable

from . import awscalls


def _fresh(item: dict) -> dict:
    return {**item, "id": {"S": "bench_" + uuid.uuid4().hex}}


class BareCalls:
    def __init__(self, endpoint: str, stage: str, samples: dict[str, dict], dynamodb_endpoint: str | None = None):
        """`samples`: real items the gateway wrote ("order", "payment", "delivery"), in
        DynamoDB's wire format, so the baselines move the same bytes. DynamoDB calls go to
        `dynamodb_endpoint` (DynamoDB Local, as the gateway's do), else to `endpoint`."""
        self.ddb = awscalls.bare_client("dynamodb", dynamodb_endpoint or endpoint)
        self.sqs = awscalls.bare_client("sqs", endpoint)
        self.table = f"paygw-{stage}-bench-scratch"
        self.samples = samples
        self._make_scratch(stage)
        self.ops: dict[str, Callable[[], float]] = {
            "GetItem": self.get_item,
            "PutItem": self.put_item,
            "UpdateItem": self.update_item,
            "TransactWriteItems": self.transact_write,
            "Query": self.query,
            "SendMessage": self.send_message,
            "SendMessageBatch": self.send_message_batch,
            "ReceiveMessage": self.receive_message,
            "DeleteMessageBatch": self.delete_message_batch,
            "GetQueueUrl": self.get_queue_url,
            "GetQueueAttributes": self.get_queue_attributes,
        }

    def _make_scratch(self, stage: str) -> None:
        with contextlib.suppress(self.ddb.exceptions.ResourceInUseException):
            self.ddb.create_table(
                TableName=self.table,
                BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                AttributeDefinitions=[
                    {"AttributeName": "id", "AttributeType": "S"},
                    {"AttributeName": "api_key", "AttributeType": "S"},
                ],
                GlobalSecondaryIndexes=[
                    {
                        "IndexName": "by-api-key",
                        "KeySchema": [{"AttributeName": "api_key", "KeyType": "HASH"}],
                        "Projection": {"ProjectionType": "ALL"},
                    }
                ],
            )
        self.sink = self.sqs.create_queue(QueueName=f"paygw-{stage}-bench-sink")["QueueUrl"]
        self.inbox = self.sqs.create_queue(QueueName=f"paygw-{stage}-bench-inbox")["QueueUrl"]
        self.payment_item = _fresh(self.samples["payment"])
        self.delivery_item = _fresh(self.samples["delivery"])
        self.ddb.put_item(TableName=self.table, Item=self.payment_item)
        self.ddb.put_item(TableName=self.table, Item=self.delivery_item)
        self.ddb.put_item(TableName=self.table, Item={"id": {"S": "bench_merchant"}, "api_key": {"S": "bench_key"}})

    @staticmethod
    def _timed(call: Callable[[], object]) -> float:
        started = time.perf_counter()
        call()
        return (time.perf_counter() - started) * 1000

    # Each returns the round trip of its one timed call, in milliseconds.

    def get_item(self) -> float:
        return self._timed(
            lambda: self.ddb.get_item(TableName=self.table, Key={"id": self.payment_item["id"]}, ConsistentRead=True)
        )

    def put_item(self) -> float:
        item = _fresh(self.samples["order"])
        return self._timed(
            lambda: self.ddb.put_item(TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(id)")
        )

    def update_item(self) -> float:
        """Like recording a webhook attempt: several SETs under a condition."""
        now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        return self._timed(
            lambda: self.ddb.update_item(
                TableName=self.table,
                Key={"id": self.delivery_item["id"]},
                UpdateExpression="SET #s = :s, attempts = if_not_exists(attempts, :z) + :one, last_attempt_at = :t, "
                "response_code = :c",
                ConditionExpression="attribute_exists(id)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":s": {"S": "pending"},
                    ":z": {"N": "0"},
                    ":one": {"N": "1"},
                    ":t": {"S": now},
                    ":c": {"N": "200"},
                },
            )
        )

    def creation_transaction(self) -> list[dict]:
        """Like creating a payment with its two events: three conditional puts of fresh items."""
        items = [_fresh(self.samples["payment"]), _fresh(self.samples["delivery"]), _fresh(self.samples["delivery"])]
        return [
            {"Put": {"TableName": self.table, "Item": item, "ConditionExpression": "attribute_not_exists(id)"}}
            for item in items
        ]

    def transact_write(self) -> float:
        transaction = self.creation_transaction()
        return self._timed(lambda: self.ddb.transact_write_items(TransactItems=transaction))

    def query(self) -> float:
        return self._timed(
            lambda: self.ddb.query(
                TableName=self.table,
                IndexName="by-api-key",
                KeyConditionExpression="api_key = :k",
                ExpressionAttributeValues={":k": {"S": "bench_key"}},
                Limit=1,
            )
        )

    @property
    def payment_job_body(self) -> str:
        """The size of the job a payment's creation sends: the payment's fields and two delivery jobs."""
        fields = {name: next(iter(value.values())) for name, value in self.samples["payment"].items()}
        deliveries = [
            {
                "delivery_id": "evt_" + uuid.uuid4().hex[:16],
                "merchant_id": str(uuid.uuid4()),
                "event": e,
                "generation": 0,
            }
            for e in ("payment.created", "payment.pending")
        ]
        return json.dumps(
            {"payment_id": fields["id"], "payment": fields, "deliveries": deliveries}, separators=(",", ":")
        )

    def send_message(self) -> float:
        body = self.payment_job_body
        return self._timed(lambda: self.sqs.send_message(QueueUrl=self.sink, MessageBody=body, DelaySeconds=0))

    def send_message_batch(self) -> float:
        entries = [
            {
                "Id": str(i),
                "MessageBody": json.dumps(
                    {"delivery_id": "evt_" + uuid.uuid4().hex[:16], "merchant_id": str(uuid.uuid4()), "generation": 0},
                    separators=(",", ":"),
                ),
            }
            for i in range(2)
        ]
        return self._timed(lambda: self.sqs.send_message_batch(QueueUrl=self.sink, Entries=entries))

    def _received(self) -> list[dict]:
        self.sqs.send_message(QueueUrl=self.inbox, MessageBody='{"payment_id":"pay_bench"}')
        found: list[dict] = []
        while not found:
            found = self.sqs.receive_message(
                QueueUrl=self.inbox,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=1,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
        return found

    def receive_message(self) -> float:
        """A receive that finds a message waiting, as the functions' long polls do under load."""
        self.sqs.send_message(QueueUrl=self.inbox, MessageBody='{"payment_id":"pay_bench"}')
        found: dict = {}
        elapsed = self._timed(
            lambda: found.update(
                self.sqs.receive_message(
                    QueueUrl=self.inbox,
                    MaxNumberOfMessages=10,
                    WaitTimeSeconds=20,
                    AttributeNames=["All"],
                    MessageAttributeNames=["All"],
                )
            )
        )
        for message in found.get("Messages", []):
            self.sqs.delete_message(QueueUrl=self.inbox, ReceiptHandle=message["ReceiptHandle"])
        return elapsed

    def delete_message_batch(self) -> float:
        messages = self._received()
        return self._timed(
            lambda: self.sqs.delete_message_batch(
                QueueUrl=self.inbox,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
            )
        )

    def get_queue_url(self) -> float:
        return self._timed(lambda: self.sqs.get_queue_url(QueueName=self.sink.rsplit("/", 1)[-1]))

    def get_queue_attributes(self) -> float:
        return self._timed(
            lambda: self.sqs.get_queue_attributes(QueueUrl=self.sink, AttributeNames=["ApproximateNumberOfMessages"])
        )

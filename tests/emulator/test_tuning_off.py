"""EMULATOR_TUNING=0 turns off the speed patches only: the correctness fixes stay on."""

from __future__ import annotations

import statistics
import time
import uuid

from tests.support.stack import Emulator

from .conftest import client
from .test_sqs import LATE_SECONDS, TRIES, long_poll_for_a_delayed_message


def test_without_tuning_the_fixes_stay_on_and_the_speed_patches_go():
    emulator = Emulator(env={"EMULATOR_TUNING": "0"}, dynamodb=False)
    try:
        sqs = client(emulator, "sqs")
        queue = sqs.create_queue(QueueName="emu-" + uuid.uuid4().hex[:12])["QueueUrl"]
        lates = []
        for _ in range(TRIES):
            poll, due = long_poll_for_a_delayed_message(emulator.url, sqs, queue, "due")
            [got] = poll.messages()
            lates.append(time.monotonic() - due)
            assert got["Body"] == "due"
            assert poll.connection.sock is None  # keep-alive: off (werkzeug closed the connection)
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=got["ReceiptHandle"])
        assert statistics.median(lates) < LATE_SECONDS, lates  # sqs-long-poll-wakeup: on
    finally:
        emulator.close()

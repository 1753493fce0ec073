"""EMULATOR_TUNING=0 turns off the speed patches only: the correctness fixes stay on."""

from __future__ import annotations

import time
import uuid

from tests.support.stack import Emulator

from .conftest import client
from .test_sqs import LATE_SECONDS, RawLongPoll


def test_without_tuning_the_fixes_stay_on_and_the_speed_patches_go():
    emulator = Emulator(env={"EMULATOR_TUNING": "0"}, dynamodb=False)
    try:
        sqs = client(emulator, "sqs")
        queue = sqs.create_queue(QueueName="emu-" + uuid.uuid4().hex[:12])["QueueUrl"]
        poll = RawLongPoll(emulator.url, queue, wait_seconds=10)
        before = time.monotonic()
        sqs.send_message(QueueUrl=queue, MessageBody="due", DelaySeconds=1)
        assert [m["Body"] for m in poll.messages()] == ["due"]
        assert time.monotonic() - (before + 1) < LATE_SECONDS  # sqs-long-poll-wakeup: on
        assert poll.connection.sock is None  # keep-alive: off (werkzeug closed the connection)
    finally:
        emulator.close()

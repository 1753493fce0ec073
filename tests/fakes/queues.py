"""An SQS outbox that records: install it with chalicelib.queues.use_outbox."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Sent:
    queue: str
    job: dict[str, Any]
    delay_seconds: int = 0


@dataclass
class QueueRecorder:
    sent: list[Sent] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, logical: str, job: dict[str, Any], delay_seconds: int) -> None:
        with self._lock:
            self.sent.append(Sent(logical, dict(job), delay_seconds))

    def send_many(self, logical: str, jobs: list[dict[str, Any]]) -> None:
        with self._lock:
            self.sent.extend(Sent(logical, dict(job)) for job in jobs)

    def jobs(self, queue: str) -> list[dict[str, Any]]:
        return [sent.job for sent in self.sent if sent.queue == queue]

    def take(self, queue: str) -> list[dict[str, Any]]:
        """The jobs sent to `queue` so far, removed from the record."""
        with self._lock:
            taken = [sent.job for sent in self.sent if sent.queue == queue]
            self.sent = [sent for sent in self.sent if sent.queue != queue]
            return taken

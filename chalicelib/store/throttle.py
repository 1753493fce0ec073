"""Throttling counters: one conditional UpdateItem per attempt (ADD 1 while under the limit), so
concurrent attempts from any number of function instances never pass the limit together."""

from __future__ import annotations

from ..domain import clock
from ..domain.throttle import Window
from .conditions import written
from .models import ThrottleModel


def take(window: Window) -> bool:
    row = ThrottleModel(window.key)
    return written(
        lambda: row.update(
            actions=[ThrottleModel.attempts.add(1), ThrottleModel.expires_at.set(clock.from_epoch(window.expires_at))],
            condition=ThrottleModel.attempts.does_not_exist() | (ThrottleModel.attempts < window.limit),
        )
    )


def give_back(window: Window) -> None:
    row = ThrottleModel(window.key)
    # A counter already at 0, or gone, has nothing to give back: never below zero.
    written(lambda: row.update(actions=[ThrottleModel.attempts.add(-1)], condition=ThrottleModel.attempts > 0))


def clear(window: Window) -> None:
    ThrottleModel(window.key).delete()

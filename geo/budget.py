"""Time budgets: work that must stop once it has taken too long (a web upload being checked).

    deadline = Deadline(60.0)           # or Deadline(0) / Deadline(60, clock=fake) in tests
    deadline.check()                    # raises TimeBudgetSpent once 60 s have passed

The clock is injectable, so a test reaches the limit by construction, never by timing.
"""
from __future__ import annotations

import time
from collections.abc import Callable

from geo.errors import Unavailable


class TimeBudgetSpent(Unavailable):
    """The time allowed for this request is spent (503: the same file may pass on a quieter
    server; the message says where there is no budget)."""

    code = "time-budget-spent"


class Deadline:
    """A budget of ``seconds`` on ``clock`` (``time.monotonic``), counted from creation; ``None``
    is no budget. :meth:`check` raises :class:`TimeBudgetSpent` once it is spent (at once for 0)."""

    def __init__(self, seconds: float | None, clock: Callable[[], float] = time.monotonic, *,
                 message: str = "the time budget of {seconds} s is spent", message_id: str = "budget.spent"):
        self.seconds = seconds
        self.clock = clock
        self.message, self.message_id = message, message_id
        self.start = clock() if seconds is not None else 0.0

    def check(self) -> None:
        """Raise :class:`TimeBudgetSpent` when the budget is spent; otherwise nothing."""
        if self.seconds is not None and self.clock() - self.start >= self.seconds:
            seconds = f"{self.seconds:g}"
            raise TimeBudgetSpent(self.message.format(seconds=seconds), message_id=self.message_id,
                                  message_values={"seconds": seconds}, budget_s=self.seconds)

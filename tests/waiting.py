"""Waiting for something another process does, for the tests and the benchmarks (no pytest set-up on import)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def wait_until(what: str, check: Callable[[], Any], timeout: float = 240.0, every: float = 0.1) -> Any:
    """`check()`'s first true answer, asked every `every` seconds; an AssertionError naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)

"""tqdm bars counted in media seconds; off with --quiet and when stderr is not a terminal."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

from tqdm import tqdm

_enabled: bool | None = None
_observer: Callable[[str, float], None] | None = None


def configure(enabled: bool | None) -> None:
    """None: on when stderr is a terminal."""
    global _enabled
    _enabled = enabled


def observe(observer: Callable[[str, float], None] | None) -> None:
    """Also tell `observer` (description, share done) whenever a bar moves (a watch worker reports it)."""
    global _observer
    _observer = observer


@contextlib.contextmanager
def seconds_bar(description: str, total: float) -> Iterator[Callable[[float], None]]:
    """Yield a callback that moves the bar to a position in media seconds."""
    enabled = sys.stderr.isatty() if _enabled is None else _enabled
    with tqdm(
        total=round(total, 1),
        desc=description,
        unit="s",
        disable=not enabled,
        leave=False,
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s [{elapsed}<{remaining}]",
    ) as bar:

        def update(position: float) -> None:
            position = round(min(max(position, 0.0), total), 1)
            if position > bar.n:
                bar.update(position - bar.n)
                if _observer is not None and total > 0:
                    _observer(description, position / total)

        yield update

"""Events pushed to every open page as server-sent events (`/api/events`), from any thread.

Each page that listens gets a queue on the server's event loop; `publish` puts an event in every queue. A page
that does not keep up (its queue full) is disconnected: its browser reconnects and gets the whole state again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import threading
from collections.abc import AsyncIterator
from typing import Any

_QUEUE = 200  # events a page may lag behind before it is disconnected
_HEARTBEAT_S = 15.0  # a comment line this often: proxies keep the stream open, a closed page is noticed
_TYPE = re.compile(r"[A-Za-z0-9_.-]{1,40}")
_END = None  # put in a queue: the stream ends


class Broadcaster:
    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[dict[str, Any] | None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self.closed = False

    @property
    def listeners(self) -> int:
        return len(self._queues)

    def subscribe(self) -> asyncio.Queue[dict[str, Any] | None]:
        """A queue for one page (call on the server's event loop)."""
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(_QUEUE)
        with self._lock:
            self._loop = asyncio.get_running_loop()
            self._queues.add(queue)
        if self.closed:
            queue.put_nowait(_END)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any] | None]) -> None:
        with self._lock:
            self._queues.discard(queue)

    def publish(self, event: dict[str, Any] | None) -> None:
        """`event` to every page (None: end every stream); from the event loop or any other thread."""
        with self._lock:
            loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody is listening
            loop.call_soon_threadsafe(self._deliver, event)

    def close(self) -> None:
        self.closed = True
        self.publish(_END)

    def _deliver(self, event: dict[str, Any] | None) -> None:
        with self._lock:
            queues = list(self._queues)
        for queue in queues:
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:  # too slow: end its stream, its page reconnects and starts afresh
                self.unsubscribe(queue)
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
                queue.put_nowait(_END)


def message(event: dict[str, Any]) -> str:
    """One event in the text/event-stream format: `event: TYPE` and its JSON on one `data:` line."""
    kind = str(event.get("type", "message"))
    return f"event: {kind if _TYPE.fullmatch(kind) else 'message'}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"


async def stream(broadcaster: Broadcaster, first: list[dict[str, Any]]) -> AsyncIterator[str]:
    """A page's stream: the `first` events (the state now), then every event published, with heartbeats."""
    queue = broadcaster.subscribe()
    try:
        yield "retry: 2000\n\n"
        for known in first:
            yield message(known)
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), _HEARTBEAT_S)
            except TimeoutError:
                yield ": still here\n\n"
                continue
            if event is _END:
                return
            yield message(event)
    finally:
        broadcaster.unsubscribe(queue)

"""The studio as one process: the watcher (its loop in a thread, its workers in processes, exactly as
`subtitler watch` runs them) beside uvicorn serving the app. Ctrl-C or SIGTERM stops both: the pages' event
streams end, the server stops, the watcher stops its workers and leaves any job cut short queued for the next
start. If the watcher stops by itself (a bug), the server stops too: a studio that cannot run jobs says so.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

import uvicorn

from subtitler.errors import UsageError
from subtitler.studio.app import create_app
from subtitler.studio.state import Studio
from subtitler.watch.watcher import Watcher, WatchOptions

log = logging.getLogger(__name__)
_STOP_WAIT_S = 60.0


def bind(host: str, port: int) -> socket.socket:
    """The listening socket (port 0: any free one), or UsageError saying why not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, backlog=128)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host} port {port}: {exc.strerror or exc} (choose another with --port)") from exc


class _Server(uvicorn.Server):
    """uvicorn, whose Ctrl-C and SIGTERM also stop the watcher, and which does not raise them again on exit."""

    def __init__(self, config: uvicorn.Config, on_exit: Callable[[], None]):
        super().__init__(config)
        self.on_exit = on_exit

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        log.info("stopping the studio")
        self.on_exit()
        if self.should_exit:
            self.force_exit = True  # a second Ctrl-C: do not wait for open connections
        self.should_exit = True


class _WatcherThread(threading.Thread):
    """The watcher's loop in a thread of its own (made there: its ledger connection belongs to that thread)."""

    def __init__(self, make: Callable[[], Watcher], stopped_by_itself: Callable[[], None]):
        super().__init__(name="subtitler-watcher", daemon=True)
        self.make = make
        self.stopped_by_itself = stopped_by_itself
        self.watcher: Watcher | None = None
        self.stopping = threading.Event()
        self._lock = threading.Lock()

    def run(self) -> None:
        try:
            with self._lock:
                if self.stopping.is_set():
                    return
                self.watcher = self.make()
            self.watcher.run()
        except Exception:
            log.exception("the watcher stopped")
        finally:
            if not self.stopping.is_set():  # stopped by itself: no job can run, so the studio stops too
                self.stopped_by_itself()

    def stop(self) -> None:
        self.stopping.set()
        with self._lock:
            if self.watcher is not None:
                self.watcher.stop()


def serve(studio: Studio, token: str | None, listening: socket.socket, options: WatchOptions,
          settings_for: Callable[[str], Any], setup: Callable[..., None], setup_args: tuple[Any, ...],
          pool: Any = None) -> None:  # fmt: skip
    """Run the studio until Ctrl-C or SIGTERM (the caller holds the outbox's watcher lock). `pool`: the watcher's
    (None: its own worker processes; a cluster.pool.BrokerPool: Celery workers on other machines)."""
    config = uvicorn.Config(create_app(studio, token), log_config=None, access_log=False, server_header=False,
                            timeout_graceful_shutdown=3, ws="none", lifespan="on")  # fmt: skip
    server: _Server | None = None

    def stopped_by_itself() -> None:
        if server is not None:
            server.should_exit = True

    thread = _WatcherThread(lambda: Watcher(options, settings_for, setup, setup_args, pool), stopped_by_itself)

    def stop() -> None:
        thread.stop()
        studio.close()

    server = _Server(config, stop)
    thread.start()
    try:
        server.run(sockets=[listening])
    finally:
        stop()
        thread.join(_STOP_WAIT_S)

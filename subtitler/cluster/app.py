"""The Celery application: its settings, the one task (`subtitler.job`), the broker check, and the worker."""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

from celery import Celery
from celery.signals import worker_process_init

from subtitler.cluster import config
from subtitler.cluster.config import GPU, ClusterConfig, celery_settings
from subtitler.cluster.work import Worker, handle
from subtitler.errors import UsageError

log = logging.getLogger(__name__)
TASK = "subtitler.job"


def make_app(config: ClusterConfig, worker: Worker | None = None) -> Celery:
    """The application; with `worker`, the task runs jobs in this process (a worker's), else it only sends them."""
    app = Celery("subtitler", set_as_current=False)
    app.conf.update(celery_settings(config))

    @app.task(name=TASK, bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
    def job(self: Any, job: object = None) -> str:
        if worker is None:
            raise RuntimeError("this process sends jobs; it does not run them")
        return handle(self, job, worker)

    return app


def check_broker(app: Celery, config: ClusterConfig) -> None:
    """Reach the broker now, or a UsageError naming it (without its password) and why."""
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=5)
    except Exception as exc:  # refused, unknown host, wrong password, not AMQP...: one line, whatever it is
        reason = " ".join(str(exc).split()) or exc.__class__.__name__
        raise UsageError(f"cannot reach the broker at {config.shown}: {reason}") from None


def connect(url: str | None, worker: Worker | None = None) -> tuple[ClusterConfig, Celery]:
    """The configuration (URL from `url`, the environment or the file), its application, and the broker reached
    now: any of them wrong is a UsageError of one line, before anything is written."""
    chosen = config.load(url or None)
    app = make_app(chosen, worker)
    check_broker(app, chosen)
    return chosen, app


def gpu_workers(app: Celery, timeout: float = 1.0) -> list[str]:
    """The workers that take GPU jobs now (they answered within `timeout`)."""
    answers = app.control.inspect(timeout=timeout).active_queues() or {}
    return sorted(name for name, queues in answers.items() if any(q.get("name") == GPU for q in queues or ()))


def node_name(device: str) -> str:
    """`cpu-1234@host`: the device first, so that `status` and Flower show it."""
    return f"{device}-{os.getpid()}@{socket.gethostname()}"


def start_worker(app: Celery, device: str, queues: tuple[str, ...], concurrency: int, loglevel: str) -> None:
    """Run the worker until it is stopped (SIGTERM: the running jobs end first; SIGQUIT or -9: they are redelivered)."""
    from subtitler.watch.workers import die_with

    parent = os.getpid()

    @worker_process_init.connect(weak=False)
    def _child(**_: Any) -> None:  # a job process never outlives its worker: no second writer after a kill -9
        die_with(parent)

    app.Worker(
        hostname=node_name(device),
        queues=list(queues),
        concurrency=concurrency,
        pool="prefork",  # jobs in child processes: the worker's connection (heartbeats, acks) stays alive meanwhile
        optimization="fair",  # `-O fair`: a child gets a job only when it is free, not queued behind a long one
        loglevel=loglevel,
        without_mingle=True,  # nothing to synchronise between workers
        without_gossip=True,
    ).start()

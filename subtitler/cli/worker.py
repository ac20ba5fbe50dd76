"""`subtitler worker`: a Celery worker that runs jobs sent by `run --broker` and `watch --broker`."""

from __future__ import annotations

import logging
from typing import Any

import click

from subtitler.cli.common import common
from subtitler.cluster import config as cluster_config
from subtitler.errors import SubtitlerError, UsageError
from subtitler.job import JobSettings
from subtitler.settings import job_settings

log = logging.getLogger("subtitler")


def _settings(preset: str, given: dict[str, dict[str, Any]], force: bool) -> JobSettings:
    return job_settings(preset, given, force)


@click.command("worker")
@click.option("--broker", help=f"amqp://USER:PASSWORD@HOST:5672// (else ${cluster_config.ENV_BROKER}, else the config file).")
@click.option("--queues", help="Queues to take jobs from, e.g. 'gpu,cpu' [default: gpu,cpu with a CUDA GPU, else cpu].")
@click.option("--concurrency", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Jobs at once (each process loads its own Whisper model).")  # fmt: skip
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True,
              help="Where Whisper runs in this worker's jobs.")  # fmt: skip
@click.option("--path-map", "path_maps", multiple=True, metavar="LOCAL=REMOTE",
              help="The shared folder is at LOCAL here and at REMOTE where jobs are sent from (repeatable).")  # fmt: skip
@common
def worker_command(broker: str | None, queues: str | None, concurrency: int, device: str, path_maps: tuple[str, ...]) -> None:
    """Run jobs from the broker's queues until stopped (Ctrl-C or SIGTERM: the running jobs end first)."""
    from subtitler.adapters.whisper import resolve_device
    from subtitler.cluster.app import connect, start_worker
    from subtitler.cluster.message import PathMap
    from subtitler.cluster.work import Worker

    try:
        paths = PathMap.parse(path_maps)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    try:
        resolved = resolve_device(device)
    except SubtitlerError as exc:
        raise UsageError(str(exc)) from exc
    chosen = tuple(q.strip() for q in queues.split(",") if q.strip()) if queues else (
        (cluster_config.GPU, cluster_config.CPU) if resolved == "cuda" else (cluster_config.CPU,))  # fmt: skip
    unknown = set(chosen) - set(cluster_config.QUEUES)
    if unknown:
        known = ", ".join(cluster_config.QUEUES)
        raise UsageError(f"--queues: unknown queue(s) {', '.join(sorted(unknown))}; choose from {known}")
    config, app = connect(broker, Worker(resolved, paths, _settings, concurrency))
    debug, quiet = click.get_current_context().meta["subtitler.log"]
    log.info("worker on %s (%s), queues %s, %d job(s) at once, broker %s", resolved, "path map: " + ", ".join(path_maps)
             if path_maps else "no path map", ",".join(chosen), concurrency, config.shown)  # fmt: skip
    start_worker(app, resolved, chosen, concurrency, "DEBUG" if debug else "WARNING" if quiet else "INFO")

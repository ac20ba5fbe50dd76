"""Where the broker is, the Celery settings long media jobs need, and each job's time limit.

The broker URL comes from `--broker`, else $SUBTITLER_BROKER, else `[broker] url` in the config file
($SUBTITLER_CONFIG, else ~/.config/subtitler/cluster.toml). It is never shown with its password.

RabbitMQ is the broker (amqp:// URLs): it gives an unacknowledged job to another worker as soon as the connection of
the worker that held it drops, which is what a killed worker needs. It also redelivers a job that stays
unacknowledged longer than its `consumer_timeout`, so every job's time limit must end before that window: the window
is `[broker] redelivery_window_s` (RabbitMQ's default, 30 min, when not set), and a job whose limit does not fit is
refused before it is sent, with what to change.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kombu import Queue
from kombu.utils.url import maybe_sanitize_url

from subtitler.errors import UsageError

ENV_BROKER = "SUBTITLER_BROKER"
ENV_CONFIG = "SUBTITLER_CONFIG"
SCHEMES = ("amqp", "amqps", "pyamqp")
GPU, CPU = "gpu", "cpu"
QUEUES = (GPU, CPU)
RABBITMQ_DEFAULT_WINDOW_S = 1800.0  # RabbitMQ's consumer_timeout when rabbitmq.conf does not set one
HARD_AFTER_SOFT_S = 60  # a job that ignores its soft limit is killed this much later
WINDOW_MARGIN_S = 60  # a hard limit must end this long before the broker would redeliver


@dataclass(frozen=True)
class ClusterConfig:
    url: str
    redelivery_window_s: float = RABBITMQ_DEFAULT_WINDOW_S  # = RabbitMQ's consumer_timeout (ms in rabbitmq.conf) / 1000
    base_s: float = 600.0  # every job's time limit starts here (model load, probing, writing)
    per_media_second_s: float = 6.0  # and grows with the media's duration (transcription, burn-in, upscaling on a CPU)

    @property
    def shown(self) -> str:
        """The URL with its password masked: the only form that is ever printed or logged."""
        return shown_url(self.url)

    def limit_for(self, duration: float) -> int:
        """The soft time limit of a job on media of `duration` seconds (the hard one is HARD_AFTER_SOFT_S later)."""
        return math.ceil(self.base_s + self.per_media_second_s * max(duration, 0.0))

    def refusal(self, limit: int) -> str:
        """Why a job with this soft limit must not be sent ('' when it may): it could outlive the redelivery window,
        and then the broker would hand it to a second worker while the first is still at it."""
        if limit + HARD_AFTER_SOFT_S + WINDOW_MARGIN_S <= self.redelivery_window_s:
            return ""
        needed = limit + HARD_AFTER_SOFT_S + WINDOW_MARGIN_S
        return (f"its time limit ({limit} s) does not fit in the broker's redelivery window "
                f"({self.redelivery_window_s:.0f} s): set consumer_timeout = {needed * 1000} or more in rabbitmq.conf "
                f"and redelivery_window_s = {needed} in the [broker] table of {config_path()}")  # fmt: skip


def shown_url(url: str) -> str:
    return str(maybe_sanitize_url(url, mask="***"))


def config_path() -> Path:
    named = os.environ.get(ENV_CONFIG)
    if named:
        return Path(named)
    home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return home / "subtitler" / "cluster.toml"


def _file() -> dict[str, Any]:
    path = config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from exc
    broker = data.get("broker", {})
    if not isinstance(broker, dict):
        raise UsageError(f"{path}: [broker] must be a table")
    return broker


def _number(table: dict[str, Any], key: str, default: float) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise UsageError(f"{config_path()}: [broker] {key} must be a positive number of seconds")
    return float(value)


def load(url: str | None = None) -> ClusterConfig:
    """The configuration, with the URL from the flag, the environment or the file (in that order)."""
    table = _file()
    url = url or os.environ.get(ENV_BROKER) or table.get("url")
    if not url or not isinstance(url, str):
        raise UsageError(f"no broker given: --broker amqp://USER:PASSWORD@HOST:5672//, ${ENV_BROKER}, "
                         f"or url in the [broker] table of {config_path()}")  # fmt: skip
    scheme = url.partition("://")[0].lower()
    if scheme not in SCHEMES:
        raise UsageError(f"broker {shown_url(url)}: subtitler's workers use RabbitMQ (amqp://...), see the README's "
                         "'Many machines' section for why")  # fmt: skip
    chosen = ClusterConfig(
        url,
        _number(table, "redelivery_window_s", RABBITMQ_DEFAULT_WINDOW_S),
        _number(table, "base_s", ClusterConfig.base_s),
        _number(table, "per_media_second_s", ClusterConfig.per_media_second_s),
    )
    shortest = chosen.refusal(chosen.limit_for(0))
    if shortest:  # even a job on empty media could be redelivered while it runs: refused before anything starts
        raise UsageError(f"{config_path()}: every job's time limit must fit in the broker's redelivery window; {shortest}")
    return chosen


def celery_settings(config: ClusterConfig) -> dict[str, Any]:
    """Celery's settings for jobs that run minutes to hours, each with why."""
    return {
        "broker_url": config.url,
        # A job's message is acknowledged when the job ends, not when it starts: a worker that dies in the middle
        # leaves it unacknowledged, and RabbitMQ gives it to another worker as soon as the dead one's connection drops.
        "task_acks_late": True,
        # ...and when only a worker's child process dies (kill -9, the OOM killer), the message goes back to the
        # queue instead of being acknowledged as failed.
        "task_reject_on_worker_lost": True,
        # One message per process at a time: a worker busy with a long job never holds a second one hostage while
        # another worker is idle (the worker also runs with `-O fair`, see work.start_worker).
        "worker_prefetch_multiplier": 1,
        # JSON only, never pickle: a message is data, and a pickle would run whatever code it carries.
        "task_serializer": "json",
        "result_serializer": "json",
        "event_serializer": "json",
        "accept_content": ["json"],
        "event_accept_content": ["json"],
        # No result backend to run: a job's outcome is its output folder and the task file in it (record.py),
        # which the coordinator reads; events only hurry it up.
        "task_ignore_result": True,
        "result_backend": None,
        # Events (sent, started, progress, done) for the coordinator, `subtitler status` and Flower.
        "worker_send_task_events": True,
        "task_send_sent_event": True,
        # Sending waits until RabbitMQ confirms it stored the job: nothing is reported sent that the broker lost.
        "broker_transport_options": {"confirm_publish": True},
        # Durable queues and persistent messages: a broker restarted with its data loses no job.
        "task_queues": [Queue(name, durable=True) for name in QUEUES],
        "task_default_queue": CPU,
        "task_default_delivery_mode": "persistent",
        # A job running when the broker connection drops goes on: the broker hands its message to another worker
        # meanwhile, and the output folder's lease makes that copy wait and then find the job done (work.py).
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        # A job sent while the broker restarts waits for it, for about a minute (1 s, then every 2 s), rather than
        # fail the run: the coordinator may still be sending when the first jobs have started.
        "task_publish_retry": True,
        "task_publish_retry_policy": {"max_retries": 30, "interval_start": 0, "interval_step": 1, "interval_max": 2},
        # A worker waits for a broker that is restarting; the coordinator checks the broker before it sends anything.
        "broker_connection_retry_on_startup": True,
        "broker_connection_timeout": 5,
        "worker_hijack_root_logger": False,
        "worker_redirect_stdouts": False,
    }

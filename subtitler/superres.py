"""Super-resolution models: the manifest in `models/superres.toml` and where each file is found.

`resolve(method, scale, model)` turns `--upscale-method`, `--upscale` and `--upscale-model` into a
model file. A manifest entry is looked for in $SUBTITLER_HOME/models/superres, then in the folders of
$SUBTITLER_SUPERRES_PATH, then downloaded from its pinned URL into the first; every file found through
the manifest is checked against its sha256. No OpenCV here: `adapters/upscale.py` runs the models.
"""

from __future__ import annotations

import logging
import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from subtitler import fetch
from subtitler.errors import ModelError, UsageError
from subtitler.resources import resource_dir

log = logging.getLogger(__name__)

LANCZOS = "lanczos"
SEARCH_PATH_ENV = "SUBTITLER_SUPERRES_PATH"
DOWNLOAD_TIMEOUT_S = 30.0

# (resolved path, size, mtime_ns) -> sha256: each file is hashed once per process while it is unchanged.
_digests: dict[tuple[str, int, int], str] = {}


@dataclass(frozen=True)
class SuperResEntry:
    """One model file of the manifest."""

    name: str  # "fsrcnn_x2"
    method: str  # the --upscale-method value: "fsrcnn", "fsrcnn-small", "espcn", "lapsrn"
    scale: int
    file: str
    sha256: str
    bytes: int
    url: str
    license: str


@dataclass(frozen=True)
class SuperResModel:
    """What an Upscaler is built from; `path` is None for lanczos, which needs no model."""

    method: str
    scale: int
    path: Path | None
    name: str


@lru_cache(maxsize=1)
def manifest() -> dict[str, SuperResEntry]:
    data = tomllib.loads((resource_dir("models") / "superres.toml").read_text(encoding="utf-8"))
    return {
        name: SuperResEntry(
            name=name,
            method=entry["method"],
            scale=int(entry["scale"]),
            file=entry["file"],
            sha256=entry["sha256"],
            bytes=int(entry["bytes"]),
            url=entry["url"],
            license=entry["license"],
        )
        for name, entry in data.items()
    }


def methods() -> list[str]:
    """Every --upscale-method value: lanczos first, then the learned methods in manifest order."""
    return [LANCZOS, *dict.fromkeys(entry.method for entry in manifest().values())]


def scales(method: str) -> list[int]:
    """The scales a learned method has a model for (lanczos: any)."""
    return sorted(entry.scale for entry in manifest().values() if entry.method == method)


def home_dir() -> Path:
    return fetch.models_home() / "superres"


def search_dirs() -> list[Path]:
    """Where manifest files are looked for, in order: the models home, then $SUBTITLER_SUPERRES_PATH."""
    extra = os.environ.get(SEARCH_PATH_ENV, "")
    return [home_dir(), *(Path(part).expanduser() for part in extra.split(os.pathsep) if part)]


def _digest(path: Path) -> str:
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _digests:
        _digests[key] = fetch.sha256_of(path)
    return _digests[key]


def _verified(entry: SuperResEntry, path: Path) -> Path:
    digest = _digest(path)
    if digest != entry.sha256:
        raise fetch.FetchError(
            f"super-resolution model {entry.name}: {path} has sha256 {digest}, expected {entry.sha256}; "
            f"replace it with {entry.file} from {entry.url}",
            source=str(path),
            step="sha256",
            reason=f"sha256 {digest}, expected {entry.sha256}",
            expected=entry.sha256,
            actual=digest,
        )
    return path


def download(entry: SuperResEntry, target_dir: Path) -> Path:
    """Fetch `entry` from its URL into `target_dir`: written to a temp name, verified, then renamed into place."""
    log.info("downloading %s from %s", entry.file, entry.url)
    try:
        return fetch.fetch_file(
            entry.url, target_dir / entry.file, timeout_s=DOWNLOAD_TIMEOUT_S, max_bytes=entry.bytes, sha256=entry.sha256
        )
    except fetch.FetchError as exc:
        if exc.step != "sha256":
            raise
        raise exc.reworded(
            f"super-resolution model {entry.name}: the download from {entry.url} has sha256 {exc.actual}, expected {entry.sha256}"
        ) from exc


def locate(entry: SuperResEntry, allow_download: bool = True) -> Path:
    """The verified file of a manifest entry: found in the search folders, else downloaded into the models home."""
    dirs = search_dirs()
    for folder in dirs:
        candidate = folder / entry.file
        if candidate.is_file():
            return _verified(entry, candidate)
    where = ", ".join(str(d) for d in dirs)
    if SEARCH_PATH_ENV not in os.environ:
        where += f" (and the folders listed in ${SEARCH_PATH_ENV}, which is not set)"
    hint = f"put {entry.file} (sha256 {entry.sha256}, from {entry.url}) in {home_dir()} or a folder listed in ${SEARCH_PATH_ENV}"
    if not allow_download:
        raise ModelError(f"super-resolution model {entry.name}: {entry.file} not found in {where}; {hint}")
    try:
        return download(entry, home_dir())  # verified by its sha256 before it takes its name
    except fetch.FetchError as exc:
        if exc.step == "sha256":
            raise
        log.debug("download of %s failed: %s", entry.url, exc)  # unreachable, timed out, cut off, too big, disk errors
        raise exc.reworded(
            f"super-resolution model {entry.name}: {entry.file} not found in {where} "
            f"and could not be downloaded ({exc.reason}); {hint}"
        ) from exc


def _entry_for(method: str, scale: int) -> SuperResEntry:
    for entry in manifest().values():
        if entry.method == method and entry.scale == scale:
            return entry
    have = ", ".join(f"x{s}" for s in scales(method))
    raise UsageError(f"there is no {method} model for x{scale}; {method} exists for {have} (lanczos works at any scale)")


def resolve(method: str, scale: int, model: str = "", allow_download: bool = True) -> SuperResModel:
    """The model for `--upscale-method`, `--upscale` and `--upscale-model`.

    `model` is "" (the manifest's entry for method and scale), a manifest name ("espcn_x2", which must
    agree with method and scale), or a path to a .pb file (trusted as it is: method and scale come from
    the arguments). Raises UsageError for a method or scale that does not exist, ModelError for a file
    that is missing or does not match its sha256.
    """
    if method not in methods():
        raise UsageError(f"unknown upscale method '{method}'; choose one of: {', '.join(methods())}")
    if isinstance(scale, bool) or not isinstance(scale, int) or scale < 2:
        raise UsageError(f"upscale factor must be a whole number of at least 2, not {scale!r}")
    if method == LANCZOS:
        if model:
            raise UsageError(
                f"lanczos needs no model, but '{model}' was given; choose a learned method: {', '.join(methods()[1:])}"
            )
        return SuperResModel(LANCZOS, scale, None, LANCZOS)
    entries = manifest()
    if not model:
        entry = _entry_for(method, scale)
    elif model in entries:
        entry = entries[model]
        if (entry.method, entry.scale) != (method, scale):
            raise UsageError(
                f"model {model} is {entry.method} x{entry.scale}, but {method} x{scale} was asked for; "
                f"pass --upscale-method {entry.method} --upscale {entry.scale}"
            )
    else:
        path = Path(model).expanduser()
        if path.is_file():
            return SuperResModel(method, scale, path.resolve(), path.stem)
        if path.suffix or os.sep in model or (os.altsep and os.altsep in model):
            raise ModelError(f"super-resolution model file {model} not found")
        raise UsageError(f"unknown super-resolution model '{model}'; known models: {', '.join(entries)} (or pass a .pb file)")
    return SuperResModel(method, scale, locate(entry, allow_download), entry.name)

"""Argos Translate packages (.argosmodel): find the installed ones, install one from a file or the online index.

A package is a zip archive of one folder holding `metadata.json`, a CTranslate2 model in `model/` and
`sentencepiece.model`. Packages live where argostranslate keeps them, so both programs share them.
Archives are checked member by member before anything is extracted, then extracted into a hidden temporary
folder next to the packages and renamed into place (`fetch.staged`). A download from the index lands in a hidden
folder among the packages too, and is checked the same way before it is installed.
"""

from __future__ import annotations

import json
import logging
import os
import re
import stat
import urllib.parse
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from subtitler import fetch, languages
from subtitler.errors import ModelError

log = logging.getLogger(__name__)

INDEX_URL = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/"
TIMEOUT_S = 20
REQUIRED = ("metadata.json", "model/model.bin", "sentencepiece.model")
MAX_UNPACKED_BYTES = 8 << 30  # Argos models are a few hundred MB; anything far bigger is not one
MAX_INDEX_BYTES = 16 << 20  # the index is a few hundred KB
MAX_PREFIX_CHARS = 64  # a target prefix is one piece of the vocabulary ("__de__")


@dataclass(frozen=True)
class ArgosPackage:
    path: Path  # the package folder
    source: str  # Whisper language codes, as languages.normalize gives them
    target: str
    version: str  # package_version from metadata.json
    name: str  # the folder's name, e.g. "translate-en_de-1_9"
    # The piece a multilingual model's decoder must start with to write this package's language ("__de__"),
    # from metadata.json's target_prefix; "" for a model of one target language.
    target_prefix: str = ""


def package_dirs() -> list[Path]:
    """Where argostranslate keeps packages: $ARGOS_PACKAGES_DIR, else $XDG_DATA_HOME/argos-translate/packages."""
    configured = os.environ.get("ARGOS_PACKAGES_DIR")
    if configured:
        return [Path(configured).expanduser()]
    data = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return [Path(data) / "argos-translate" / "packages"]


def _parse_metadata(raw: bytes) -> tuple[str, str, str, str]:
    """(source, target, version, target prefix) from metadata.json's bytes; ValueError says what is wrong."""
    try:
        meta = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"metadata.json is not valid JSON ({exc})") from exc
    if not isinstance(meta, dict):
        raise ValueError("metadata.json is not a JSON object")
    if meta.get("type", "translate") != "translate":
        raise ValueError(f"it is a '{meta.get('type')}' package, not a 'translate' one")
    codes = []
    for key in ("from_code", "to_code"):
        if not isinstance(meta.get(key), str):
            raise ValueError(f"metadata.json has no {key}")
        try:
            codes.append(languages.normalize(meta[key]))
        except ValueError as exc:
            raise ValueError(f"metadata.json {key}: {exc}") from exc
    prefix = meta.get("target_prefix", "")
    if not isinstance(prefix, str) or len(prefix) > MAX_PREFIX_CHARS or any(c.isspace() for c in prefix):
        raise ValueError(f"metadata.json target_prefix must be one piece of at most {MAX_PREFIX_CHARS} characters")
    return codes[0], codes[1], str(meta.get("package_version", "")), prefix


def _layout_problem(present: set[str]) -> str | None:
    """What a package holding these relative paths lacks, or None."""
    if "sentencepiece.model" not in present and "bpe.model" in present:
        return "it uses a BPE tokenizer (bpe.model), which subtitler does not support; use a SentencePiece package"
    missing = [name for name in REQUIRED if name not in present]
    return f"it lacks {', '.join(missing)}" if missing else None


def _read_package(folder: Path) -> ArgosPackage:
    present = {name for name in (*REQUIRED, "bpe.model") if (folder / name).is_file()}
    problem = _layout_problem(present)
    if problem:
        raise ValueError(problem)
    source, target, version, prefix = _parse_metadata((folder / "metadata.json").read_bytes())
    return ArgosPackage(folder, source, target, version, folder.name, prefix)


def installed() -> list[ArgosPackage]:
    """Every valid package in the package folders; a broken one is logged and skipped."""
    packages = []
    for root in package_dirs():
        if not root.is_dir():
            continue
        for folder in sorted(root.iterdir()):
            if not folder.is_dir() or folder.name.startswith("."):
                continue
            try:
                packages.append(_read_package(folder))
            except (ValueError, OSError) as exc:
                log.warning("skipping the Argos package folder %s: %s", folder, exc)
    return packages


def _member_problem(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    mode = info.external_attr >> 16
    if "\\" in name:
        return f"member {name!r} has a backslash in its name"
    if name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return f"member {name!r} has an absolute path"
    if ".." in PurePosixPath(name).parts:
        return f"member {name!r} points outside its folder"
    if stat.S_ISLNK(mode):
        return f"member {name!r} is a symbolic link"
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):  # 0: no Unix mode recorded (zipped on Windows)
        return f"member {name!r} is not a regular file"
    return None


def _check_archive(zf: zipfile.ZipFile) -> tuple[str, str]:
    """(the package folder's prefix inside the archive, the folder name to install it as); ValueError says what is wrong."""
    infos = zf.infolist()
    for info in infos:
        problem = _member_problem(info)
        if problem:
            raise ValueError(problem)
    if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
        raise ValueError(f"it would unpack to more than {MAX_UNPACKED_BYTES >> 30} GiB")
    files = {PurePosixPath(info.filename).as_posix(): info for info in infos if not info.is_dir()}  # "./a//b" -> "a/b"
    names = set(files)
    tops = sorted({PurePosixPath(name).parts[0] for name in names})
    if "metadata.json" in names:
        prefix = ""
    elif len(tops) == 1 and not tops[0].startswith("."):
        prefix = tops[0] + "/"
    else:
        raise ValueError(f"it must hold one package folder, found {len(tops)}: {', '.join(tops[:5]) or 'nothing'}")
    present = {name.removeprefix(prefix) for name in names if name.startswith(prefix)}
    problem = _layout_problem(present)
    if problem:
        raise ValueError(problem)
    source, target, _, _ = _parse_metadata(zf.read(files[prefix + "metadata.json"]))
    return prefix, prefix.rstrip("/") or f"{source}_{target}"


def _archive_problem(archive: Path) -> str | None:
    """What keeps a downloaded file from being a package install_file would take, or None."""
    try:
        with zipfile.ZipFile(archive) as zf:
            _check_archive(zf)
    except zipfile.BadZipFile as exc:
        return f"not a valid zip archive ({exc})"
    except ValueError as exc:
        return str(exc)
    return None


def install_file(archive: Path) -> ArgosPackage:
    """Check an .argosmodel archive and install it into the package folder (replacing one of the same name)."""
    archive = Path(archive)
    if not archive.is_file():
        raise ModelError(f"cannot install {archive}: no such file")
    try:
        with zipfile.ZipFile(archive) as zf:
            prefix, folder_name = _check_archive(zf)
            root = package_dirs()[0]
            root.mkdir(parents=True, exist_ok=True)
            with fetch.staged(root / folder_name) as staging:
                # The archive's one top folder is named folder_name: unpacked beside `staging`, it is `staging`.
                zf.extractall(staging.parent if prefix else staging)
                _read_package(staging)
            package = _read_package(root / folder_name)
    except zipfile.BadZipFile as exc:
        raise ModelError(f"cannot install {archive}: not a valid zip archive ({exc})") from exc
    except ValueError as exc:
        raise ModelError(f"cannot install {archive}: {exc}") from exc
    except OSError as exc:
        raise ModelError(f"cannot install {archive} into {package_dirs()[0]}: {exc}") from exc
    log.info("installed Argos package %s (%s -> %s, version %s)", package.path, package.source, package.target, package.version)
    return package


def _version_key(version: object) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", str(version)))


def _find_in_index(index: object, source: str, target: str) -> dict[str, object] | None:
    matches = []
    for entry in index if isinstance(index, list) else []:
        if not isinstance(entry, dict) or entry.get("type", "translate") != "translate":
            continue
        try:
            pair = (languages.normalize(str(entry.get("from_code"))), languages.normalize(str(entry.get("to_code"))))
        except ValueError:
            continue
        if pair == (source, target):
            matches.append(entry)
    return max(matches, key=lambda entry: _version_key(entry.get("package_version")), default=None)


def _read_index(url: str, source: str, target: str) -> object:
    try:
        return json.loads(fetch.read_url(url, timeout_s=TIMEOUT_S, max_bytes=MAX_INDEX_BYTES))
    except (fetch.FetchError, ValueError) as exc:  # unreachable, too big, not JSON
        reason = exc.reason if isinstance(exc, fetch.FetchError) else str(exc)
        raise ModelError(
            f"cannot read the Argos package index at {url} ({reason}); download translate-{source}_{target}-*.argosmodel "
            f"elsewhere and run `subtitler models install FILE.argosmodel`"
        ) from exc


def _links(entry: dict[str, object]) -> list[str]:
    links = entry.get("links")
    if not isinstance(links, list):
        return []
    return [link for link in links if isinstance(link, str) and link.startswith(("https://", "http://"))]


def _install_from_link(link: str, source: str, target: str) -> ArgosPackage:
    """Download one archive into a hidden folder among the packages, check it, install it; the download is removed."""
    name = PurePosixPath(urllib.parse.urlparse(link).path).name
    if not re.fullmatch(r"[\w.-]+\.argosmodel", name):
        name = f"translate-{source}_{target}.argosmodel"
    with fetch.scratch_dir(package_dirs()[0], prefix=".download-") as folder:
        archive = folder / name
        log.info("downloading %s", link)
        fetch.download(link, archive, timeout_s=TIMEOUT_S, max_bytes=MAX_UNPACKED_BYTES)
        fetch.verify(archive, check=_archive_problem, source=link)
        return install_file(archive)


def install_from_index(source: str, target: str) -> ArgosPackage:
    """Download the newest source -> target package listed in the Argos package index, then install it.

    A link that cannot be downloaded is skipped for the next one; a download that is no valid package is refused.
    """
    try:
        source, target = languages.normalize(source), languages.normalize(target)
    except ValueError as exc:
        raise ModelError(f"cannot look up an Argos package: {exc}") from exc
    url = os.environ.get("ARGOS_PACKAGE_INDEX", INDEX_URL).rstrip("/") + "/index.json"
    entry = _find_in_index(_read_index(url, source, target), source, target)
    if entry is None:
        raise ModelError(f"the Argos package index at {url} has no {source} -> {target} package")
    errors = []
    for link in _links(entry):
        try:
            return _install_from_link(link, source, target)
        except fetch.FetchError as exc:
            if exc.step != "download":
                raise exc.reworded(f"cannot install {link}: {exc.reason}") from exc
            errors.append(f"{link}: {exc.reason}")
    raise ModelError(
        f"cannot download the {source} -> {target} Argos package ({'; '.join(errors) or 'the index lists no link'}); "
        f"download it elsewhere and run `subtitler models install FILE.argosmodel`"
    )

"""The job a message carries: names and settings, never media. Parsed strictly: anything else is rejected.

Paths are the coordinator's; a worker whose mount point differs translates them with `--path-map` (PathMap).
Names that are not valid UTF-8 travel as JSON's \\udcXX escapes of Python's surrogates, and come back the same.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

VERSION = 1
_SCALAR = (str, int, float, bool, type(None))


class BadMessage(ValueError):
    """A message that is not a job of this version."""


@dataclass(frozen=True)
class JobMessage:
    key: str  # the input as the coordinator's ledger names it
    source: str  # the input file
    root: str  # the output folder of the whole run (OUT): it must be there, the job's folder is made in it
    folder: str  # the job's output folder, inside `root`
    stem: str  # the name its outputs start with
    preset: str  # a preset name, or a preset file on the shared folder
    given: dict[str, dict[str, Any]]  # the command line's values by preset table (None: the preset decides)
    force: bool
    limit: int  # soft time limit, seconds

    def to_json(self) -> dict[str, Any]:
        return {"version": VERSION, **asdict(self)}

    @classmethod
    def parse(cls, data: object) -> JobMessage:
        if not isinstance(data, dict):
            raise BadMessage("not a JSON object")
        if data.get("version") != VERSION:
            raise BadMessage(f"version {data.get('version')!r}, not {VERSION}")
        names = {"version", *cls.__dataclass_fields__}
        if set(data) != names:
            raise BadMessage(f"fields {sorted(map(str, data))}, not {sorted(names)}")
        for name in ("key", "source", "root", "folder", "stem", "preset"):
            if not isinstance(data[name], str) or not data[name] or "\0" in data[name]:
                raise BadMessage(f"{name} is not a non-empty text")
        if not all(Path(data[name]).is_absolute() for name in ("source", "root", "folder")):
            raise BadMessage("source, root and folder must be absolute paths")
        if ".." in Path(data["folder"]).parts or not Path(data["folder"]).is_relative_to(data["root"]):
            raise BadMessage("folder is not inside root")
        if "/" in data["stem"] or data["stem"] in (".", ".."):
            raise BadMessage("stem is not a file name")
        if not isinstance(data["force"], bool):
            raise BadMessage("force is not true or false")
        if isinstance(data["limit"], bool) or not isinstance(data["limit"], int) or data["limit"] <= 0:
            raise BadMessage("limit is not a positive number of seconds")
        given = data["given"]
        if not isinstance(given, dict) or not all(isinstance(t, str) and isinstance(v, dict) for t, v in given.items()):
            raise BadMessage("given is not a table of tables")
        for table in given.values():
            for key, value in table.items():
                values = value if isinstance(value, list) else [value]
                if not isinstance(key, str) or not all(isinstance(v, _SCALAR) for v in values):
                    raise BadMessage(f"given value {key!r} is not a plain value")
        given = {t: {k: tuple(v) if isinstance(v, list) else v for k, v in table.items()} for t, table in given.items()}
        return cls(data["key"], data["source"], data["root"], data["folder"], data["stem"], data["preset"], given,
                   data["force"], data["limit"])  # fmt: skip


@dataclass(frozen=True)
class PathMap:
    """`--path-map LOCAL=REMOTE`: a path the coordinator names under REMOTE is under LOCAL on this machine."""

    pairs: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, values: tuple[str, ...]) -> PathMap:
        pairs = []
        for value in values:
            local, sep, remote = value.partition("=")
            if not sep or not Path(local).is_absolute() or not Path(remote).is_absolute():
                raise ValueError(f"--path-map {value}: expected LOCAL=REMOTE, two absolute folders")
            pairs.append((local.rstrip("/") or "/", remote.rstrip("/") or "/"))
        return cls(tuple(sorted(pairs, key=lambda pair: -len(pair[1]))))  # the longest REMOTE wins

    def local(self, path: str) -> Path:
        for local, remote in self.pairs:
            if path == remote or path.startswith(remote.rstrip("/") + "/"):
                return Path(local) / Path(path).relative_to(remote)
        return Path(path)

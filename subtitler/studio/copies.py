"""A video's copies for other networks: one upload made for TikTok and for YouTube, from one transcript and one
correction, through the watched folder like any job.

A copy is a job of its own whose input is the video linked (a hard link: no second upload, no second copy on
disk) into the inbox subfolder of its choices: the video's languages, glossary and burned language, for another
network preset (upload_presets.py, as an upload with those choices would be):

    DIR/inbox/tiktok-to-fr-en/clip.mp4          the upload, the video's first job
    DIR/inbox/youtube-to-fr-en/clip.mp4         its copy for YouTube: the same file
    DIR/.studio/copies/<first job's id>.json    {"copies": {"youtube": "youtube-to-fr-en/clip.mp4"}, "wanted": [...],
                                                 "problems": {...}}

Before the copy's input is linked, its output folder gets the first job's transcript and translations and a job.json
naming them (`edits.seed_copy`), and the speech is heard with the first job's [transcribe] settings (`Choice.heard`):
the copy's run transcribes nothing. Its subtitles follow the first job's corrections (`edits.follow_corrections`),
each language again at every publish: the corrected cues as they are where the copy's preset cuts cues by the same
rules, else the corrected words cut into cues by the copy's own rules; a correction a person saved in the copy
itself is kept and said. Copies asked for at upload time are made once the first job is done (`make_wanted`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import secrets
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from subtitler import edits
from subtitler.errors import SubtitlerError
from subtitler.options import for_picture, load_options
from subtitler.outputs import write_text
from subtitler.studio import upload_presets
from subtitler.studio.frames import known_presets
from subtitler.studio.opened import Opened, open_ref
from subtitler.studio.requests import Refused
from subtitler.studio.state import COPIES, GLOSSARIES, PRESETS, Studio, job_id, valid_id

log = logging.getLogger(__name__)
FILE_FORMAT = 1
MAX_COPIES = 8
BUSY = ("waiting", "queued", "running")
_lock = threading.RLock()  # one change of the copies at a time (the publish, the follower of uploads)


class CopyRefused(Exception):
    """A copy that cannot be made: why, for a person."""


@dataclass(frozen=True)
class Copies:
    """A video's copies: those made (network preset -> the copy's input, relative to the inbox), those asked for
    and not made yet (made once the video is done), and why one could not be made."""

    made: dict[str, str] = field(default_factory=dict)
    wanted: tuple[str, ...] = ()
    problems: dict[str, str] = field(default_factory=dict)

    def ids(self) -> dict[str, str]:
        """Network preset -> the copy's job id."""
        return {preset: job_id(key) for preset, key in self.made.items()}


def _path(studio: Studio, first: str) -> Path:
    if not valid_id(first):
        raise LookupError(f"no job {first!r}")
    return studio.private / COPIES / f"{first}.json"


def read(studio: Studio, first: str) -> Copies:
    """The copies of the video whose first job has this id (none when it has none, or the file cannot be read)."""
    try:
        data = json.loads(_path(studio, first).read_text(encoding="utf-8"))
        made = {str(k): str(v) for k, v in (data.get("copies") or {}).items()}
        wanted = tuple(str(p) for p in data.get("wanted") or ())
        problems = {str(k): str(v) for k, v in (data.get("problems") or {}).items()}
    except FileNotFoundError:
        return Copies()
    except (OSError, ValueError, TypeError, AttributeError, LookupError) as exc:
        log.warning("cannot read the copies of job %s: %s", first, exc)
        return Copies()
    safe = {k: v for k, v in made.items() if not PurePosixPath(v).is_absolute() and ".." not in PurePosixPath(v).parts}
    return Copies(safe, wanted, problems)


def _write(studio: Studio, first: str, copies: Copies) -> None:
    data = {"format": FILE_FORMAT, "copies": copies.made, "wanted": list(copies.wanted), "problems": copies.problems}
    path = _path(studio, first)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def index(studio: Studio) -> dict[str, Copies]:
    """Every video with copies (made or wanted), by its first job's id."""
    folder = studio.private / COPIES
    if not folder.is_dir():
        return {}
    found = {}
    for path in folder.glob("*.json"):
        if valid_id(path.stem):
            copies = read(studio, path.stem)
            if copies.made or copies.wanted or copies.problems:
                found[path.stem] = copies
    return found


def first_of(studio: Studio, job: str) -> tuple[str, str] | None:
    """(the first job's id, the network) when the job with this id is a copy of another's video; else None."""
    for first, copies in index(studio).items():
        for preset, copy in copies.ids().items():
            if copy == job:
                return first, preset
    return None


def offered(studio: Studio, preset: str) -> list[str]:
    """The networks a video made with `preset` can have copies for: every preset known here but its own."""
    own = upload_presets.network(studio, preset)
    return [name for name in sorted(known_presets()) if name != own]


def check_networks(studio: Studio, preset: str, asked: list[str]) -> list[str]:
    """The networks asked for, each a preset known here, not the video's own; CopyRefused otherwise."""
    known = offered(studio, preset)
    for name in asked:
        if name not in known:
            own = upload_presets.network(studio, preset)
            why = f"the video is made for {own} already" if name == own else f"no preset named {name[:40]!r}"
            raise CopyRefused(f"a copy for {name[:40]}: {why}")
    if len(asked) > MAX_COPIES:
        raise CopyRefused(f"at most {MAX_COPIES} copies of a video")
    return asked


def want(studio: Studio, first: str, networks: list[str]) -> None:
    """Copies for these networks, made once the video's first job is done (`make_wanted`)."""
    if not networks:
        return
    with _lock:
        copies = read(studio, first)
        wanted = tuple(dict.fromkeys((*copies.wanted, *(n for n in networks if n not in copies.made))))
        _write(studio, first, Copies(copies.made, wanted, copies.problems))


# Making a copy, and making it follow the video's corrections.


def make(studio: Studio, opened: Opened, network: str) -> tuple[str, list[edits.Followed]]:
    """The video's copy for `network` made: its choices' inbox folder and preset, its output folder seeded with the
    transcript and translations, its corrections following the video's, then its input linked into the inbox (the
    watcher takes it from there). Its job id, and what its corrections follow; CopyRefused when it cannot be made."""
    with _lock:
        copies = read(studio, opened.ref.id)
        if network in copies.made:
            return job_id(copies.made[network]), []
        choice = _choice(studio, opened, network)
        try:
            folder = upload_presets.ensure(studio, choice)
        except upload_presets.ChoiceError as exc:
            raise CopyRefused(str(exc)) from exc
        key, output = _place(studio, folder, opened)
        try:
            edits.seed_copy(opened.folder, opened.stem, output, output.name)
            followed = follow(studio, opened, output, studio.private / PRESETS / f"{folder}.toml")
            _link(Path(opened.ref.source), studio.inbox / key)
        except BaseException:  # nothing of a copy not made is left for another input to find
            shutil.rmtree(output, ignore_errors=True)
            raise
        problems = {k: v for k, v in copies.problems.items() if k != network}
        wanted = tuple(n for n in copies.wanted if n != network)
        _write(studio, opened.ref.id, Copies({**copies.made, network: key}, wanted, problems))
        log.info("copy    %s for %s: %s", opened.ref.name, network, key)
        return job_id(key), followed


def follow(studio: Studio, opened: Opened, folder: Path, preset: Path | str) -> list[edits.Followed]:
    """The copy in `folder` (made with `preset`) made to follow the video's corrections."""
    options = for_picture(load_options(str(preset)), opened.portrait)
    same = options.cues == opened.options.cues
    label = f"{opened.ref.name} for {upload_presets.network(studio, opened.ref.preset)}"
    spoken = str(opened.record.get("language") or "")
    return edits.follow_corrections(opened.folder, folder, None if same else options.cues, opened.media.duration, spoken,
                                    label)  # fmt: skip


def republish(studio: Studio, opened: Opened, network: str, copy: str) -> list[edits.Followed]:
    """A copy made before, made to follow the video's corrections now and run again through the watcher."""
    with _lock:
        try:
            ref = studio.resolve(copy)
        except LookupError as exc:
            raise CopyRefused(f"the copy for {network} is not in the studio any more") from exc
        if ref.state in BUSY:
            raise CopyRefused(f"the copy for {network} is being made now: publish once it is done")
        edits.seed_copy(opened.folder, opened.stem, ref.folder, ref.stem)  # a copy that failed before it ran
        followed = follow(studio, opened, ref.folder, ref.preset)
        studio.requeue(copy)
        return followed


def make_wanted(studio: Studio) -> None:
    """The copies asked for at upload time, made for each video whose first job is done (the follower's turn)."""
    for first, copies in index(studio).items():
        if not copies.wanted:
            continue
        try:
            ref = studio.resolve(first)
            if ref.state != "done":
                continue
            opened = open_ref(ref)
        except (LookupError, Refused):
            continue
        for network in copies.wanted:
            try:
                make(studio, opened, network)
            except (CopyRefused, SubtitlerError, OSError) as exc:
                log.warning("copy    %s for %s: %s", ref.name, network, exc)
                with _lock:
                    now = read(studio, first)
                    wanted = tuple(n for n in now.wanted if n != network)
                    _write(studio, first, Copies(now.made, wanted, {**now.problems, network: str(exc)}))


def _choice(studio: Studio, opened: Opened, network: str) -> upload_presets.Choice:
    """The choices of the video (its languages, glossary, burned language, how its speech is heard) for `network`."""
    first = opened.options
    try:
        preset = load_options(network)
    except SubtitlerError as exc:
        raise CopyRefused(str(exc)) from exc
    burn = edits.copy_burn(first.output.burn, preset.output.burn)
    chosen = upload_presets.AS_PRESET if burn == preset.output.burn else (burn or upload_presets.NO_BURN)
    glossary = _glossary_id(studio, first.translate.glossary) if first.translate.glossary else ""
    return upload_presets.Choice(network, tuple(first.translate.to), chosen, glossary, _heard(opened.ref.preset, network))


def _heard(first: str, network: str) -> str:
    """The [transcribe] keys of the video's first preset that `network`'s preset sets otherwise, as a TOML table
    ("" when none): the copy hears the speech as the video was heard, so the transcript is the same one."""
    try:
        theirs, mine = load_options(first).transcribe, load_options(network).transcribe
    except SubtitlerError as exc:
        raise CopyRefused(f"the video's preset cannot be read now ({exc})") from exc
    mine_values = dataclasses.asdict(mine)
    differ = {k: v for k, v in dataclasses.asdict(theirs).items() if mine_values[k] != v}
    return "[transcribe]\n" + "\n".join(f"{k} = {json.dumps(v)}" for k, v in sorted(differ.items())) if differ else ""


def _glossary_id(studio: Studio, path: str) -> str:
    """The id of the video's glossary kept in DIR/.studio/glossaries (copied there when it came from elsewhere)."""
    source = Path(path)
    try:
        body = source.read_bytes()
    except OSError as exc:
        raise CopyRefused(f"the video's glossary {source.name} cannot be read now ({exc.strerror or exc})") from exc
    glossary_id = hashlib.sha256(body).hexdigest()[:16]
    kept = studio.private / GLOSSARIES / f"{glossary_id}{'.csv' if source.suffix.lower() == '.csv' else '.toml'}"
    if not kept.is_file():
        kept.parent.mkdir(parents=True, exist_ok=True)
        write_text(kept, body.decode("utf-8"))
    return glossary_id


def _place(studio: Studio, folder: str, opened: Opened) -> tuple[str, Path]:
    """The copy's input (relative to the inbox) and its output folder: the video's name in the choices' folder, or
    in a folder of its own there when that name or its output folder is taken (the same name keeps the transcript
    the copy's: it is made from the file's name, size and time)."""
    name = Path(opened.ref.source).name
    with studio.ledger() as store:
        taken = {output.lower() for output in store.outputs()} if store else set()
    for key in (f"{folder}/{name}", f"{folder}/{opened.ref.id[:8]}/{name}"):
        relative = studio.expected_output(key)
        output = studio.outbox / relative
        if not (studio.inbox / key).exists() and not output.exists() and relative.lower() not in taken:
            return key, output
    raise CopyRefused(f"{folder}/{name} is taken in the inbox or the outbox")


def _link(source: Path, target: Path) -> None:
    """`target` made the same file as `source` (a hard link; a copy under a hidden name renamed where the file
    system has no links), whole at once and never over another file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
        return
    except FileExistsError as exc:
        raise CopyRefused(f"{target.name} is in the inbox already") from exc
    except OSError:
        pass
    temp = target.with_name(f".{secrets.token_hex(8)}.part")
    try:
        shutil.copy2(source, temp)  # the same modification time: the same transcript
        if target.exists():
            raise CopyRefused(f"{target.name} is in the inbox already")
        os.replace(temp, target)
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()

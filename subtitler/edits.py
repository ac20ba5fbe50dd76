"""A person's corrections to a job's subtitles, kept as versions beside the machine's.

    OUT/<stem>/edits/<lang>/v0001.json, v0002.json, ...

A version holds one language's cues as a person left them (times, line breaks, and the words with their
times), who saved it and when, the version it was made from (`base`) and a note; each file is written whole
or not at all. The newest version is the language's current edit: every output of that language is made
from it, by `run` and `run --force` alike. A version marked `discarded` returns the language to the machine's
cues with the history kept. `save` refuses a correction made from anything but the newest version
(`EditConflict`), so two people correcting at once never overwrite each other unseen.

Also here, for `subtitler apply` and `subtitler.apply`: which job folder and language a corrected file
belongs to (`locate`), what a finished job was made from (`recorded`), and cues read from a file given the
times Whisper heard (`with_spoken_times`).

And the copies of a job made for other presets (`apply --also`, the studio's publish to several networks): a copy
is a job folder of its own whose run reuses the job's transcript and translations (`seed_copy`), and whose
corrections follow the job's (`follow_corrections`): each a version marked `follows`, the corrected cues as they
are where the copy's cue rules are the job's, else the corrected words cut into cues again by the copy's rules. A
version a person saved in the copy itself is never replaced.
"""

from __future__ import annotations

import bisect
import contextlib
import fcntl
import getpass
import json
import math
import re
import tomllib
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from subtitler import glossary, languages
from subtitler.cues import make_cues
from subtitler.errors import EditConflict, UsageError
from subtitler.formats import transcript_from_json
from subtitler.marks import balance_marks
from subtitler.model import Cue, Sentence, VideoInfo, Word
from subtitler.names import safe_stem, shown
from subtitler.options import SECTIONS, CueOptions
from subtitler.outputs import write_text
from subtitler.sentences import spread, target_words
from subtitler.subtitle_reader import FORMATS, MAX_CHARS_PER_CUE, MAX_CUES, MAX_LINES_PER_CUE

EDITS = "edits"  # the folder of a job's corrections, in its job folder
RETRANSLATE = "retranslate"  # `edits/retranslate-<lang>`: the other languages follow that correction
FILE_FORMAT = 1
MAX_SECONDS = 100 * 3600.0  # the latest time a cue may have
MAX_TEXT = 1000  # characters in a note or an author's name
_VERSION_FILE = re.compile(r"v(\d{4,9})\.json")


@dataclass(frozen=True)
class Edit:
    """A language's corrected cues, as the version `version` holds them."""

    version: int
    cues: tuple[Cue, ...]


@dataclass(frozen=True)
class EditVersion:
    """One saved version of a language's corrections, without its cues."""

    number: int
    saved_at: str  # ISO 8601, UTC
    note: str
    base: int  # the version it was made from; 0: the machine's cues
    author: str = ""
    discarded: bool = False  # a return to the machine's cues (its history kept)
    follows: str = ""  # in a copy for another preset: the correction it was made from ("" for a person's own)


# Cues as JSON data: the one place they are written and read (version files, and the studio's requests).


def cue_to_data(cue: Cue) -> dict[str, Any]:
    words = [{"start": w.start, "end": w.end, "text": w.text, "probability": w.probability} for w in cue.words]
    return {"start": cue.start, "end": cue.end, "lines": list(cue.lines), "words": words}


def cues_to_data(cues: Sequence[Cue]) -> list[dict[str, Any]]:
    return [cue_to_data(cue) for cue in cues]


def cues_from_data(data: Any, language: str) -> tuple[Cue, ...]:
    """Cues from JSON data (a version file, a request), every value checked, sorted by time, and each cue's
    words made to say what its lines say (`fit_words`); UsageError naming the first value refused."""
    if not isinstance(data, list):
        raise UsageError("cues must be a list")
    if len(data) > MAX_CUES:
        raise UsageError(f"{len(data):,} cues: more than {MAX_CUES:,}, the most a language may have")
    cues = [_cue(item, f"cue {number}") for number, item in enumerate(data, 1)]
    return tuple(fit_words(cue, language) for cue in sorted(cues, key=lambda c: (c.start, c.end)))


def _cue(item: Any, where: str) -> Cue:
    if not isinstance(item, dict):
        raise UsageError(f"{where}: must be an object with start, end, lines and words")
    start, end = _time(item.get("start"), f"{where}: start"), _time(item.get("end"), f"{where}: end")
    if end <= start:
        raise UsageError(f"{where}: ends at {end:g} s, not after it starts ({start:g} s)")
    lines = item.get("lines")
    if not isinstance(lines, list | tuple) or not 1 <= len(lines) <= MAX_LINES_PER_CUE:
        raise UsageError(f"{where}: lines must be a list of 1 to {MAX_LINES_PER_CUE} texts")
    for line in lines:
        _check_text(line, f"{where}: a line")
    if not "".join(lines).strip():
        raise UsageError(f"{where}: has no text (remove the cue instead)")
    if sum(len(line) for line in lines) > MAX_CHARS_PER_CUE:
        raise UsageError(f"{where}: more than {MAX_CHARS_PER_CUE:,} characters, the most a cue may hold")
    words = item.get("words", [])
    if not isinstance(words, list | tuple) or len(words) > MAX_CHARS_PER_CUE:
        raise UsageError(f"{where}: words must be a list of at most {MAX_CHARS_PER_CUE:,}")
    return Cue(start, end, tuple(lines), tuple(_word(w, f"{where}, word {k}") for k, w in enumerate(words, 1)))


def _word(item: Any, where: str) -> Word:
    if not isinstance(item, dict):
        raise UsageError(f"{where}: must be an object with start, end and text")
    start, end = _time(item.get("start"), f"{where}: start"), _time(item.get("end"), f"{where}: end")
    if end < start:
        raise UsageError(f"{where}: ends at {end:g} s, before it starts ({start:g} s)")
    text = _check_text(item.get("text"), f"{where}: text")
    probability = item.get("probability", 1.0)
    if not _number(probability) or not 0 <= probability <= 1:
        raise UsageError(f"{where}: probability must be a number from 0 to 1")
    return Word(start, end, text, float(probability))


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _time(value: Any, where: str) -> float:
    if not _number(value) or not 0 <= value <= MAX_SECONDS:
        raise UsageError(f"{where} must be a number of seconds from 0 to {MAX_SECONDS:g}")
    return float(value)


def _check_text(value: Any, where: str) -> str:
    if not isinstance(value, str) or len(value) > MAX_CHARS_PER_CUE:
        raise UsageError(f"{where} must be text of at most {MAX_CHARS_PER_CUE:,} characters")
    if any(unicodedata.category(c) in ("Cc", "Cs") and c != "\t" for c in value):
        raise UsageError(f"{where} must not hold control characters (a line break makes a new line)")
    return value


def fit_words(cue: Cue, language: str) -> Cue:
    """The cue with words that say what its lines say: its own words when they do; their times (and, where a
    word is unchanged, its probability) under the lines' words when only words were changed; else the lines'
    words spread over the cue's time by their length. A word a person wrote is sure (probability 1)."""
    text = " ".join(cue.lines)
    if cue.words and "".join(w.text for w in cue.words).split() == text.split():
        return cue
    pieces = target_words(text, language)
    if len(pieces) == len(cue.words):
        words = tuple(
            Word(w.start, w.end, piece, w.probability if w.text.strip() == piece.strip() else 1.0)
            for w, piece in zip(cue.words, pieces, strict=True)
        )
    else:
        words = tuple(spread(Sentence(cue.start, cue.end, text), [], language))
    return Cue(cue.start, cue.end, cue.lines, words)


EARLY_WORD_S = 0.5  # how far before its cue a first word may lie (`speech_map.cue_starts_on_speech`)


def with_spoken_times(cues: Sequence[Cue], spoken: Sequence[Word]) -> tuple[Cue, ...]:
    """Cues read from a corrected file (their words spread evenly) given the times Whisper heard: a cue that has
    as many words as were spoken within its time takes their times, and their probabilities where unchanged."""
    ordered = sorted(spoken, key=lambda w: (w.start + w.end) / 2)
    middles = [(w.start + w.end) / 2 for w in ordered]
    timed = []
    for cue in cues:
        heard = ordered[bisect.bisect_left(middles, cue.start) : bisect.bisect_right(middles, cue.end)]
        if len(heard) != len(cue.words):  # a cue moved onto its speech may start after its first word's middle
            heard = ordered[bisect.bisect_left(middles, cue.start - EARLY_WORD_S) : bisect.bisect_right(middles, cue.end)]
        if not heard or len(heard) != len(cue.words):
            timed.append(cue)
            continue
        words = tuple(
            Word(h.start, h.end, w.text, h.probability if h.text.strip() == w.text.strip() else 1.0)
            for w, h in zip(cue.words, heard, strict=True)
        )
        timed.append(Cue(cue.start, cue.end, cue.lines, words))
    return tuple(timed)


def heard_words(folder: Path, stem: str, language: str) -> list[Word]:
    """The words of a job's transcript (`<stem>.json`) with the times Whisper heard them, when it is in
    `language`; none otherwise, or when there is no transcript to read."""
    try:
        transcript, _ = transcript_from_json((folder / f"{stem}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return list(transcript.words) if transcript.language == language else []


def edit_words(cues: Sequence[Cue]) -> list[Word]:
    """The words of corrected cues in order: the speech as a person wrote it, to cut into sentences."""
    return [word for cue in sorted(cues, key=lambda c: c.start) for word in cue.words]


# The store.


def language_code(language: str) -> str:
    """A language's code as the store names its folder ("English", "EN" -> "en"); UsageError if unknown."""
    try:
        return languages.normalize(language)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def _author(author: str) -> str:
    if author:
        return author[:MAX_TEXT]
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no user name for this uid (a container)
        return ""


class EditStore:
    """The corrections kept in a job folder (`OUT/<stem>/`), in its `edits/` folder, one folder per language."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.root = self.folder / EDITS

    def ask_retranslation(self, lang: str) -> None:
        """The next run translates the other languages from this language's correction (as `apply --retranslate`
        does), and later runs follow it while it stands; the studio's publish asks for it this way."""
        self.root.mkdir(parents=True, exist_ok=True)
        write_text(self.root / f"{RETRANSLATE}-{language_code(lang)}", "asked\n")

    def retranslation_asked(self, lang: str) -> bool:
        return (self.root / f"{RETRANSLATE}-{language_code(lang)}").is_file()

    def forget_retranslation(self, lang: str) -> None:
        (self.root / f"{RETRANSLATE}-{language_code(lang)}").unlink(missing_ok=True)

    def languages(self) -> list[str]:
        """The languages whose subtitles come from a correction now (not discarded)."""
        if not self.root.is_dir():
            return []
        found = []
        for child in sorted(self.root.iterdir()):
            try:
                code = languages.normalize(child.name)
            except ValueError:
                continue
            if code == child.name and child.is_dir() and self.current(code) is not None:
                found.append(code)
        return found

    def versions(self, lang: str) -> list[EditVersion]:
        """Every version of a language's corrections, oldest first (discarded ones included)."""
        return [_header(self._read(path)) for _, path in self._files(lang)]

    def latest(self, lang: str) -> int:
        """The newest version's number; 0 when there is none."""
        files = self._files(lang)
        return files[-1][0] if files else 0

    def current(self, lang: str) -> Edit | None:
        """The correction the language's outputs are made from: the newest version, None when there is none
        or the newest is a return to the machine's cues."""
        files = self._files(lang)
        if not files:
            return None
        data = self._read(files[-1][1])
        return None if data["discarded"] else Edit(files[-1][0], self._cues(data, files[-1][1]))

    def read(self, lang: str, version: int) -> Edit:
        """The cues of one version (none for a discarded one); UsageError if there is no such version."""
        path = self._path(lang, version)
        if not path.is_file():
            raise UsageError(f"there is no version {version} of the {language_code(lang)} corrections")
        data = self._read(path)
        return Edit(version, () if data["discarded"] else self._cues(data, path))

    def save(self, lang: str, cues: Sequence[Cue], base: int | None, note: str = "", *, author: str = "",
             follows: str = "") -> int:  # fmt: skip
        """The cues as a new version made from `base` (0 or None: from the machine's cues, with no version yet);
        EditConflict when `base` is not the newest version. Returns the new version's number. `follows`: the
        correction of another job this one is made from (`follow_corrections`)."""
        code = language_code(lang)
        checked = cues_from_data(cues_to_data(cues), code)  # a request's cues are checked like a file's
        with self._locked(code):
            current = self.latest(code)
            if (base or 0) != current:
                made = f"version {base}" if base else "the machine's subtitles"
                raise EditConflict(
                    f"the {code} corrections were made from {made}, but version {current} was saved since: "
                    f"open version {current} and correct it again",
                    code, current, base or 0,
                )  # fmt: skip
            return self._write(code, current, checked, note, author, discarded=False, follows=follows)

    def revert(self, lang: str, version: int, *, author: str = "") -> int:
        """A new version holding what version `version` held (a return to the machine's cues, if it was one).
        Returns its number."""
        code = language_code(lang)
        with self._locked(code):
            old = self.read(code, version)
            discarded = bool(self._read(self._path(code, version))["discarded"])
            return self._write(code, self.latest(code), old.cues, f"back to version {version}", author, discarded)

    def discard(self, lang: str, note: str = "", *, author: str = "", follows: str = "") -> int | None:
        """The machine's cues again for this language, the history kept: a new version that says so. Returns its
        number, None when there was no correction in use."""
        code = language_code(lang)
        with self._locked(code):
            if self.current(code) is None:
                return None
            (self.root / f"{RETRANSLATE}-{code}").unlink(missing_ok=True)
            note = note or "back to the machine's subtitles"
            return self._write(code, self.latest(code), (), note, author, True, follows)

    # files

    def _folder(self, lang: str) -> Path:
        return self.root / language_code(lang)

    def _path(self, lang: str, version: int) -> Path:
        return self._folder(lang) / f"v{version:04d}.json"

    def _files(self, lang: str) -> list[tuple[int, Path]]:
        folder = self._folder(lang)
        if not folder.is_dir():
            return []
        found = [(int(m[1]), path) for path in folder.iterdir() if (m := _VERSION_FILE.fullmatch(path.name))]
        return sorted(found)

    def _read(self, path: Path) -> dict[str, Any]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            _header(data)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise UsageError(f"cannot read the corrections in {shown(path)}: {exc}") from exc
        return data  # type: ignore[no-any-return]

    def _cues(self, data: dict[str, Any], path: Path) -> tuple[Cue, ...]:
        try:
            return cues_from_data(data["cues"], str(data["language"]))
        except UsageError as exc:
            raise UsageError(f"{shown(path)}: {exc}") from exc

    def _write(self, code: str, base: int, cues: Sequence[Cue], note: str, author: str, discarded: bool,
               follows: str = "") -> int:  # fmt: skip
        number = base + 1
        data = {
            "format": FILE_FORMAT,
            "language": code,
            "version": number,
            "base": base,
            "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "author": "" if follows else _author(author),
            "note": str(note)[:MAX_TEXT],
            "discarded": discarded,
            **({"follows": str(follows)[:MAX_TEXT]} if follows else {}),
            "cues": cues_to_data(cues),
        }
        write_text(self._path(code, number), json.dumps(data, ensure_ascii=False, indent=1, allow_nan=False) + "\n")
        return number

    @contextlib.contextmanager
    def _locked(self, code: str) -> Iterator[None]:
        """One writer at a time in a language's folder (processes and threads alike: each opens its own lock)."""
        folder = self._folder(code)
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / ".lock").open("a", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _header(data: dict[str, Any]) -> EditVersion:
    return EditVersion(
        number=int(data["version"]),
        saved_at=str(data["saved_at"]),
        note=str(data.get("note", "")),
        base=int(data["base"]),
        author=str(data.get("author", "")),
        discarded=bool(data["discarded"]),
        follows=str(data.get("follows", "")),
    )


def save_correction(
    folder: Path, stem: str, language: str, cues: Sequence[Cue], note: str = "", *, shown_version: int | None = None
) -> int:
    """Corrected cues (read from a file, or given) saved as the newest version of a language's corrections in a
    job folder; their words take the times Whisper heard where they can. Returns the version.

    `shown_version`: the version the outputs the person corrected were made from (0: the machine's cues); when a
    correction saved since is in use, saving would set it aside unseen: EditConflict. None: no check."""
    code = language_code(language)
    store = EditStore(folder)
    current = store.current(code)
    if shown_version is not None and current is not None and current.version != shown_version:
        made = f"version {shown_version}" if shown_version else "the machine's subtitles"
        raise EditConflict(
            f"the {code} subtitles in {shown(folder)} were made from {made}, but version {current.version} of your "
            f"corrections was saved since and would be lost: `subtitler run` makes them from version {current.version}; "
            "correct those",
            code, current.version, shown_version,
        )  # fmt: skip
    timed = with_spoken_times(cues, heard_words(folder, stem, code))
    return store.save(code, timed, store.latest(code), note)


def discard_others(folder: Path, keep: Sequence[str], note: str) -> list[str]:
    """The corrections of every language but `keep` discarded (their history kept); the languages discarded."""
    store = EditStore(folder)
    dropped = [language for language in store.languages() if language not in keep]
    for language in dropped:
        store.discard(language, note)
    return dropped


# Which job a corrected file belongs to, and what that job was made from.


def locate(path: Path, out: Path | None = None, language: str | None = None) -> tuple[Path, str]:
    """The job folder and the language of a corrected subtitle file: `OUT/<stem>/<stem>.<lang>.srt` as `run`
    wrote it, or, with `out`, a file named `<stem>.<lang>.srt` (or `<stem>.srt` and `language`) anywhere."""
    if path.suffix.lower() not in FORMATS:
        raise UsageError(f"{shown(path)}: corrected subtitles must be SRT, VTT or ASS")
    stem, named = path.name[: -len(path.suffix)], None
    head, dot, tail = stem.rpartition(".")
    with contextlib.suppress(ValueError):
        if dot and head and languages.normalize(tail) == tail:
            stem, named = head, tail
    code = language_code(language) if language else named
    if code is None:
        raise UsageError(f"cannot tell the language of {shown(path.name)}: name it like 'talk.en.srt' or give --language")
    if out is not None:
        folder = out / stem
    elif (path.parent / "job.json").is_file():
        folder = path.parent
    else:
        raise UsageError(
            f"{shown(path)} is not in a job folder (OUT/<name>/, beside its job.json): give the output folder with -o OUT"
        )
    if not (folder / "job.json").is_file():
        where = shown(folder.parent)
        raise UsageError(f"no finished job in {shown(folder)} (no job.json): `subtitler run` the video into {where} first")
    return folder, code


@dataclass(frozen=True)
class Recorded:
    """What a finished job's job.json says it was made from: enough to make it again."""

    folder: Path
    source: Path
    stem: str
    preset: str
    language: str | None  # the language that was spoken
    options: dict[str, Any]  # the job's options by preset table, as job.json holds them
    edited: dict[str, int]  # language -> the correction its outputs were made from
    languages: tuple[str, ...] = ()  # the languages it has subtitles in, the spoken one first
    duration: float | None = None  # the media's, in seconds
    portrait: bool = False  # a picture taller than wide, as shown (the preset's [portrait] keys applied)

    def overrides(self) -> dict[str, dict[str, Any]]:
        """The recorded options by preset table, to give on top of the recorded preset: a run with them makes
        the same job. Two values a run works out itself are left for it to work out again: the font a burn fell
        back to, and the glossary's terms it adds to Whisper's hotwords (added twice, they would change the
        transcription settings, and a transcript would be made again)."""
        tables = {name: dict(values) for name, values in self.options.items() if name in SECTIONS and isinstance(values, dict)}
        tables.get("style", {}).pop("font", None)
        transcribe = tables.get("transcribe", {})
        terms = glossary.load(tables.get("translate", {}).get("glossary")).hotwords()
        hotwords = transcribe.get("hotwords")
        if terms and isinstance(hotwords, str) and hotwords.endswith(terms):
            transcribe["hotwords"] = hotwords[: -len(terms)].removesuffix(", ")
        return tables


def recorded(folder: Path) -> Recorded:
    """What the job in `folder` was made from; UsageError when there is no finished job there, or its source (the
    video the outputs are made from again) is gone."""
    path = folder / "job.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        edited = data.get("edited") or {}
        found = Recorded(
            folder=folder,
            source=_source_path(str(data["source"])),
            stem=str(data["stem"]),
            preset=str(data["preset"]),
            language=data.get("language"),
            options=dict(data["options"]),
            edited={str(k): int(v) for k, v in edited.items()},
            languages=tuple(str(k) for k in data.get("cue_counts") or {}),
            duration=float(data["media"]["duration"]) if data.get("media") else None,
            portrait=_portrait((data.get("media") or {}).get("video")),
        )
    except FileNotFoundError as exc:
        raise UsageError(f"no finished job in {shown(folder)} (no job.json): `subtitler run` makes one") from exc
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UsageError(f"cannot tell from {shown(path)} what the job was made from ({exc})") from exc
    if not found.source.is_file():
        raise UsageError(f"{shown(found.source)}, the input {shown(folder)} was made from, is not there: its outputs need it")
    return found


def _portrait(video: Any) -> bool:
    """Whether job.json's video is shown taller than wide (rotation and pixel aspect applied)."""
    if not isinstance(video, dict):
        return False
    width, height = VideoInfo(**video).display_size
    return height > width


def _source_path(text: str) -> Path:
    """The source as job.json names it, with bytes that are not UTF-8 (written `\\xNN`) made bytes again."""
    path = Path(text)
    if "\\x" in text and not path.exists():
        raw = re.sub(rb"\\x([0-9a-f]{2})", lambda m: bytes([int(m[1], 16)]), text.encode("utf-8"))
        path = Path(raw.decode("utf-8", "surrogateescape"))
    return path


# Copies of a job for other presets: the same video, the same words heard, the corrections followed.

COPIES_FILE = "copies.json"  # in a job's edits/: the copies `apply --also` made, made again by every later apply


@dataclass(frozen=True)
class Followed:
    """Where a copy's subtitles in one language stand after `follow_corrections`."""

    language: str
    version: int  # the copy's correction in use (0: the machine's subtitles)
    changed: bool  # a version was saved in the copy now
    kept: bool = False  # the copy's newest version was saved in the copy itself (by a person): kept, not replaced
    recut: bool = False  # the corrected words cut into cues again by the copy's rules


def copy_burn(job_burn: str, preset_burn: str) -> str:
    """What a copy burns in: nothing where its preset burns nothing (a network for soft subtitles); else the
    language the job burned, or the preset's own choice where the job burned nothing."""
    return (job_burn or preset_burn) if preset_burn else ""


def seed_copy(job: Path, stem: str, copy: Path, copy_stem: str) -> bool:
    """A copy's folder made ready for its first run: the job's transcript and translations under the copy's stem,
    and a job.json naming them with what they were made from, so the run reuses them (the `resume` and `translate`
    stages) instead of transcribing again. Nothing is written (False) when `copy` holds a job.json already."""
    if (copy / "job.json").exists():
        return False
    try:
        outputs = json.loads((job / "job.json").read_text(encoding="utf-8")).get("outputs") or {}
        kept = {key: (str(entry["path"]), str(entry["digest"])) for key, entry in outputs.items()
                if key == "transcript" or key.startswith("translation:")}  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UsageError(f"cannot tell from {shown(job / 'job.json')} what the job was made from ({exc})") from exc
    copy.mkdir(parents=True, exist_ok=True)
    seeded = {}
    for key, (name, made_from) in kept.items():
        if "/" in name or not name.startswith(f"{stem}.") or not (job / name).is_file():
            continue
        target = copy_stem + name[len(stem) :]
        write_text(copy / target, (job / name).read_text(encoding="utf-8"))
        seeded[key] = {"path": target, "digest": made_from}
    _follow_glossary(job, copy)
    record = {"seeded_from": shown(job.absolute()), "stem": copy_stem, "outputs": seeded}
    write_text(copy / "job.json", json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    return True


def follow_corrections(job: Path, copy: Path, rules: CueOptions | None, duration: float | None, spoken: str,
                       label: str) -> list[Followed]:  # fmt: skip
    """The copy's subtitles made to follow the job's corrections, language by language: each correction saved in
    the copy as a version that `follows` it (`label`: the job, as people name it), its cues as they are where the
    copy cuts cues as the job does (`rules` None), else its words cut again by the copy's `rules` (`recut`); a
    language the job went back to the machine's subtitles for goes back too. A language whose newest version a
    person saved in the copy itself is kept as it is (`kept`). The ask to translate the other languages from the
    spoken language's correction, and the job's own glossary, are followed too."""
    source, target = EditStore(job), EditStore(copy)
    found = []
    for language in sorted({*source.languages(), *_stored(target)}):
        versions = target.versions(language)
        if versions and not versions[-1].follows:
            found.append(Followed(language, 0 if versions[-1].discarded else versions[-1].number, False, kept=True))
            continue
        edit, now = source.current(language), target.current(language)
        if edit is None:
            note = f"back to the machine's subtitles, as {label}"
            changed = target.discard(language, note, follows=f"{label}, the machine's subtitles") is not None
            found.append(Followed(language, 0, changed))
            continue
        made = edit.cues if rules is None else recut(edit.cues, language, rules, duration, language != spoken)
        cues = cues_from_data(cues_to_data(made), language)  # as the store keeps them, to compare
        if now is not None and now.cues == cues:
            found.append(Followed(language, now.version, False, recut=rules is not None))
            continue
        follows = f"{label}, version {edit.version}"
        try:
            version = target.save(language, cues, target.latest(language), f"follows {follows}", follows=follows)
        except EditConflict:  # saved in the copy meanwhile: that one stands
            found.append(Followed(language, target.latest(language), False, kept=True))
            continue
        found.append(Followed(language, version, True, recut=rules is not None))
    if spoken and not any(f.kept for f in found if f.language == spoken):
        if source.retranslation_asked(spoken):
            target.ask_retranslation(spoken)
        else:
            target.forget_retranslation(spoken)
    _follow_glossary(job, copy)
    return found


def recut(cues: Sequence[Cue], language: str, rules: CueOptions, duration: float | None, translated: bool) -> tuple[Cue, ...]:
    """A correction's words cut into cues again by other rules (another preset's): every word as the person wrote
    it, at the time it is said, none dropped; lines, cue ends and reading time as `rules` say. A translation's
    quotes and brackets are closed and reopened across cues, as the pipeline does."""
    made = make_cues(edit_words(cues), rules, duration, language, as_written=True)
    return tuple(fit_words(cue, language) for cue in (balance_marks(made, language) if translated else made))


def _stored(store: EditStore) -> list[str]:
    """The languages with any version in the store (in use, or gone back to the machine's)."""
    if not store.root.is_dir():
        return []
    found = []
    for child in store.root.iterdir():
        try:
            if child.is_dir() and languages.normalize(child.name) == child.name and store.latest(child.name):
                found.append(child.name)
        except ValueError:  # a folder that is not a language's
            continue
    return found


def _follow_glossary(job: Path, copy: Path) -> None:
    """The job's own terms (`glossary.toml`, added in the studio) in the copy's too; terms of the copy's own kept."""
    theirs = glossary.load(job / glossary.JOB_FILE) if (job / glossary.JOB_FILE).is_file() else glossary.Glossary()
    mine = glossary.load(copy / glossary.JOB_FILE) if (copy / glossary.JOB_FILE).is_file() else glossary.Glossary()
    merged = mine.merged(theirs)
    if theirs and merged != mine:
        write_job_glossary(copy, merged.terms)


def write_job_glossary(folder: Path, terms: Sequence[glossary.Term]) -> None:
    """A job's own terms as `glossary.toml` in its folder (the glossary's TOML format), whole or not at all."""
    rows = [f"{json.dumps(t.text, ensure_ascii=False)} = {_renderings(t)}" for t in terms]
    text = "# Names and terms this video's subtitles must write as given (added in the studio's editor)\n"
    text += "\n".join(rows) + "\n"
    tomllib.loads(text)  # what is written reads back
    write_text(folder / glossary.JOB_FILE, text)


def _renderings(term: glossary.Term) -> str:
    if not term.renderings:
        return "{}"
    return "{ " + ", ".join(f"{code} = {json.dumps(text, ensure_ascii=False)}" for code, text in term.renderings) + " }"


def copy_folders(folder: Path) -> dict[str, str]:
    """The copies `apply --also` made of the job in `folder`: preset (a name, or a preset file) -> its folder's name
    in the job folder."""
    try:
        data = json.loads((folder / EDITS / COPIES_FILE).read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in data["copies"].items() if safe_stem(str(v)) == v}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UsageError(f"cannot read {shown(folder / EDITS / COPIES_FILE)} ({exc}): correct it or remove it") from exc


def add_copy_folder(folder: Path, preset: str) -> str:
    """A copy of the job for `preset` noted (every later apply makes it again): its folder's name in the job folder,
    the preset's name (`youtube`, `team` for team.toml)."""
    known = copy_folders(folder)
    if preset in known:
        return known[preset]
    name = safe_stem(Path(preset).stem if preset.endswith(".toml") else preset)
    if name in known.values() or name == EDITS:
        raise UsageError(f"a copy of {shown(folder)} for another preset is named {name} already: name the preset file otherwise")
    (folder / EDITS).mkdir(parents=True, exist_ok=True)
    data = {"copies": {**known, preset: name}}
    write_text(folder / EDITS / COPIES_FILE, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    return name

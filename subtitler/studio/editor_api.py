"""The editor of the studio: a job's cues by language, corrected, checked against the preset's rules as they
are typed, drawn on a frame exactly as they will be burned, and published (the job run again: every output of
the corrected languages made from the correction, nothing transcribed).

Every route names a job by its id (`Studio.resolve`), never a path, and every field of a request is checked
where it enters: types, finite times, a start before its end, at most `MAX_CUES` cues of at most
`MAX_CUE_CHARS` characters, language codes through `languages.normalize`, presets by name only.

    GET  /jobs/{id}                          the editor page
    GET  /api/jobs/{id}/video                the video to play (the soft-subtitled copy, else the source), by ranges
    GET  /api/jobs/{id}/cues/{lang}          {"language", "version", "edited", "cues", "rules", "unsure_below", "fps", "style"}
    PUT  /api/jobs/{id}/cues/{lang}          {"base", "cues"} -> {"version"}; 409 {"current"} when someone saved since
    POST /api/jobs/{id}/check                {"cues"} -> {"cues": [[problem, ...], ...]}: the pipeline's rules, and gaps
    GET  /api/jobs/{id}/frame?lang=&t=       PNG: the frame at t with the saved cues burned by the job's style
    GET  /api/jobs/{id}/still?preset=&lang=&t=   PNG: the same, styled by another preset (how it would look there)
    POST /api/jobs/{id}/publish              {"languages"} -> 202: the job run again through the watcher; progress
                                             through Studio.notify (events of type "publish")
    GET  /api/jobs/{id}/publish              where the last publish is
    GET  /api/jobs/{id}/glossary             {"terms"}
    POST /api/jobs/{id}/glossary             {"term"} -> {"terms"}: the job's own glossary, glossary.toml in its folder
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import shutil
import tempfile
import threading
import time
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from subtitler import edits, glossary, languages, placement, subtitle_reader
from subtitler.adapters import ffmpeg
from subtitler.adapters.media import probe
from subtitler.burning import with_font
from subtitler.cues import Rule, clean, cue_violations
from subtitler.edits import EditStore
from subtitler.errors import EditConflict, SubtitlerError
from subtitler.ffmpeg_args import preview_args
from subtitler.formats import plain_text, transcript_from_json, translation_from_json
from subtitler.formats.ass import font_size_px
from subtitler.job import Job
from subtitler.model import Cue, MediaInfo, StreamInfo, VideoInfo, Word
from subtitler.options import SECTIONS, Options, builtin_presets, for_picture, load_options, user_presets, validate
from subtitler.outputs import write_text
from subtitler.sentences import UNSPACED, timed_words
from subtitler.studio.listing import STAGES, STATES
from subtitler.studio.pages import render
from subtitler.subtitle_files import look_for

log = logging.getLogger(__name__)

RECORD = "job.json"
GLOSSARY_FILE = glossary.JOB_FILE  # the job's own terms, added in the editor (the glossary's TOML format)
MAX_BODY_BYTES = 32_000_000  # a request: 20,000 cues with their words fit
MAX_CUES = subtitle_reader.MAX_CUES  # as many as a subtitle file may hold (edits.cues_from_data checks a save)
MAX_LINES = subtitle_reader.MAX_LINES_PER_CUE
MAX_CUE_CHARS = subtitle_reader.MAX_CHARS_PER_CUE
MAX_NOTE_CHARS = 200
MAX_TERMS, MAX_TERM_CHARS = 500, 100
PLAYABLE = (".mp4", ".m4v", ".mov", ".webm")  # what a browser plays; another soft copy (MKV) leaves the source
EPSILON = 1e-6
GAP, OVERLAP = "gap", "overlap"  # the rules between neighbours, beside the pipeline's `Rule`s
_drawing = threading.BoundedSemaphore(2)  # frames drawn at once (each an ffmpeg process)


class Refused(Exception):
    """A request the editor will not act on: its status and a message for a person."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.status = status


# The job as the editor sees it.


@dataclass(frozen=True)
class Opened:
    """A finished job: its reference from the studio, its job.json, the options and the media it was made with."""

    ref: Any  # studio.state.JobRef
    record: dict[str, Any]
    options: Options
    media: MediaInfo
    machine: dict[str, tuple[Cue, ...]] = dataclasses.field(default_factory=dict, compare=False)  # pipeline_cues, kept

    @property
    def folder(self) -> Path:
        return Path(self.ref.folder)

    @property
    def stem(self) -> str:
        return str(self.record.get("stem") or self.ref.stem)

    @property
    def languages(self) -> list[str]:
        """The languages it has subtitles in, the spoken one first."""
        return [str(code) for code in (self.record.get("cue_counts") or {})]

    @property
    def fps(self) -> float:
        video = self.media.video
        return video.fps if video is not None and video.fps > 0 else 25.0

    def file(self, key: str) -> Path | None:
        """An output job.json names (a name inside the job's folder, never a path elsewhere), if it is there."""
        entry = (self.record.get("outputs") or {}).get(key)
        name = str(entry.get("path", "")) if isinstance(entry, dict) else ""
        if not name or "/" in name or "\\" in name or name in (".", ".."):
            return None
        path = self.folder / name
        return path if path.is_file() else None

    def job(self, cues: dict[str, tuple[Cue, ...]], options: Options | None = None, folder: Path | None = None) -> Job:
        return Job(Path(self.ref.source), folder or self.folder, self.stem, options or self.options, None, media=self.media,
                   cues=cues)  # fmt: skip


_opened: dict[str, tuple[int, Opened]] = {}  # folder -> (job.json's mtime, what it says)


def open_job(request: Request) -> Opened:
    """The job the path names, finished; Refused (404, 409) otherwise."""
    studio = request.app.state.studio
    try:
        ref = studio.resolve(str(request.path_params["job_id"]))
    except LookupError as exc:
        raise Refused("no such job", 404) from exc
    path = Path(ref.folder) / RECORD
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as exc:
        raise Refused("this video is not subtitled yet", 409) from exc
    kept = _opened.get(str(path))
    if kept is not None and kept[0] == stamp and kept[1].ref == ref:
        return kept[1]
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        opened = Opened(ref, record, recorded_options(record), _recorded_media(record, Path(ref.source)))
    except (OSError, ValueError, KeyError, TypeError, SubtitlerError) as exc:
        raise Refused(f"this job's record cannot be read ({exc})", 409) from exc
    _opened[str(path)] = (stamp, opened)
    return opened


def recorded_options(record: dict[str, Any]) -> Options:
    """The options the job was made with (its preset, its flags, the picture's orientation), as job.json keeps them."""
    recorded = record["options"]
    options = load_options("default", {section: recorded[section] for section in SECTIONS})
    portrait = recorded.get("portrait") or {}
    return validate(dataclasses.replace(options, preset=str(record.get("preset", "default")), portrait=portrait))


def _recorded_media(record: dict[str, Any], source: Path) -> MediaInfo:
    data = record.get("media")
    try:
        assert isinstance(data, dict)
        video = VideoInfo(**data["video"]) if data.get("video") else None
        streams = tuple(StreamInfo(**stream) for stream in data.get("streams", ()))
        return MediaInfo(**{**data, "streams": streams, "video": video})
    except (AssertionError, TypeError, KeyError):
        return probe(source)


def language_of(opened: Opened, code: Any) -> str:
    """A language code of the request, as the job writes it; Refused unless the job has subtitles in it."""
    try:
        language = languages.normalize(code) if isinstance(code, str) and len(code) <= 40 else ""
    except ValueError:
        language = ""
    if language not in opened.languages:
        raise Refused(f"this video has no subtitles in {str(code)[:40]!r}: it has {', '.join(opened.languages)}", 404)
    return language


# Cues as JSON, and back (checked at the door).


def _ms(value: float) -> float:
    return round(value, 3)


def cue_json(cue: Cue, source: str = "") -> dict[str, Any]:
    words = [
        {"text": w.text.strip(), "start": _ms(w.start), "end": _ms(w.end), "probability": round(w.probability, 4)}
        for w in cue.words
        if w.text.strip()
    ]
    return {"start": _ms(cue.start), "end": _ms(cue.end), "lines": list(cue.lines), "words": words, "source": source}


def _text(value: Any, where: str, limit: int) -> str:
    """One line of text: a string of at most `limit` characters with no control characters (a tab is a space)."""
    if not isinstance(value, str):
        raise Refused(f"{where} must be text")
    if len(value) > limit:
        raise Refused(f"{where} is longer than {limit} characters")
    value = value.replace("\t", " ")
    if any(unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp") for char in value):
        raise Refused(f"{where} holds a control character")
    return " ".join(value.split())


def _seconds(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Refused(f"{where} must be a number of seconds")
    if not 0 <= value <= edits.MAX_SECONDS:
        raise Refused(f"{where} must be between 0 and {edits.MAX_SECONDS:g} s")
    return float(value)


def cues_to_check(data: Any) -> tuple[Cue, ...]:
    """The cues of a check, in the page's order, text not required yet (a cue just inserted): times and lines,
    checked as a save checks them (`edits.cues_from_data`, which also wants text and sorts)."""
    if not isinstance(data, list) or len(data) > MAX_CUES:
        raise Refused(f"cues must be a list of at most {MAX_CUES}")
    cues = []
    for number, item in enumerate(data, 1):
        if not isinstance(item, dict):
            raise Refused(f"cue {number} must be an object")
        start, end = _seconds(item.get("start"), f"cue {number}: start"), _seconds(item.get("end"), f"cue {number}: end")
        lines = item.get("lines")
        if not isinstance(lines, list) or len(lines) > MAX_LINES:
            raise Refused(f"cue {number}: lines must be a list of at most {MAX_LINES}")
        text = tuple(_text(line, f"cue {number}: a line", MAX_CUE_CHARS) for line in lines)
        cues.append(Cue(start, max(start, end), tuple(line for line in text if line)))
    return tuple(cues)


# The job's cues as the pipeline made them, when nobody has corrected them yet.


def pipeline_cues(opened: Opened, language: str) -> tuple[Cue, ...]:
    """The language's cues as the pipeline wrote them (its subtitle file: text, lines, times), each word with the
    times and the probability Whisper heard it with: the words the pipeline cut into cues (the transcript's,
    respelled by the glossary and cleaned, or the translation timed onto them), matched to the file's words
    character by character. Where the file says something else (changed by hand), its words are spread over
    each cue. Kept until the job's job.json changes."""
    if language not in opened.machine:
        opened.machine[language] = _pipeline_cues(opened, language)
    return opened.machine[language]


def _pipeline_cues(opened: Opened, language: str) -> tuple[Cue, ...]:
    written = tuple(edits.fit_words(cue, language) for cue in _written(opened, language))
    try:
        heard = _heard(opened, language)
    except (OSError, ValueError, KeyError, TypeError, SubtitlerError) as exc:
        log.info("%s: the words of the %s cues cannot be read (%s)", opened.stem, language, exc)
        heard = []
    return _matched(written, heard) or edits.with_spoken_times(written, heard)


def _written(opened: Opened, language: str) -> tuple[Cue, ...]:
    for fmt in ("srt", "vtt", "ass"):
        path = opened.file(f"{fmt}:{language}") or opened.folder / f"{opened.stem}.{language}.{fmt}"
        if path.is_file():
            subtitles = subtitle_reader.read(path.read_bytes(), fmt)
            return tuple(Cue(c.start, c.end, c.lines) for c in subtitles.cues if c.lines)
    return ()


def _heard(opened: Opened, language: str) -> list[Word]:
    """The words the pipeline cut the language's cues from."""
    transcript, _ = transcript_from_json((opened.folder / f"{opened.stem}.json").read_text(encoding="utf-8"))
    terms = glossary.load(opened.options.translate.glossary)
    spoken = clean(terms.respell_words(transcript.words), transcript.duration).words
    if language == transcript.language:
        return spoken
    path = opened.folder / f"{opened.stem}.{language}.json"
    translation = translation_from_json(path.read_text(encoding="utf-8")) if path.is_file() else None
    return timed_words(translation.sentences, spoken, language) if translation is not None else []


def _matched(cues: Sequence[Cue], heard: Sequence[Word]) -> tuple[Cue, ...] | None:
    """The cues with each word timed by the heard words its characters come from (the earliest start, the latest
    end, the least sure); None unless the cues say, character for character, what was heard."""
    owners = [(char, k) for k, word in enumerate(heard) for char in plain_text(word.text) if not char.isspace()]
    said = [char for cue in cues for word in cue.words for char in word.text if not char.isspace()]
    if not owners or [char for char, _ in owners] != said:
        return None
    at, matched = 0, []
    for cue in cues:
        words = []
        for word in cue.words:
            length = sum(not char.isspace() for char in word.text)
            source = [heard[k] for k in sorted({k for _, k in owners[at : at + length]})]
            at += length
            start, end = min(w.start for w in source), max(w.end for w in source)
            words.append(Word(start, end, word.text, min(w.probability for w in source)))
        matched.append(Cue(cue.start, cue.end, cue.lines, tuple(words)))
    return tuple(matched)


def source_sentences(opened: Opened, language: str, cues: Sequence[Cue]) -> list[str]:
    """For a translation, the source sentence(s) each cue was translated from (empty for the spoken language)."""
    path = opened.folder / f"{opened.stem}.{language}.json"
    try:
        sentences = json.loads(path.read_text(encoding="utf-8"))["sentences"] if path.is_file() else []
    except (OSError, ValueError, KeyError, TypeError):
        sentences = []
    found = []
    for cue in cues:
        overlapping = [
            s for s in sentences if isinstance(s, dict) and s.get("start", 0) < cue.end and s.get("end", 0) > cue.start
        ]
        found.append(" ".join(str(s.get("source") or "") for s in overlapping).strip())
    return found


def current_cues(opened: Opened, language: str) -> tuple[int | None, tuple[Cue, ...]]:
    """The latest correction (its version) when there is one, else the pipeline's cues (version None)."""
    edit = EditStore(opened.folder).current(language)
    if edit is not None:
        return edit.version, tuple(edit.cues)
    return None, pipeline_cues(opened, language)


def style_json(opened: Opened, options: Options) -> dict[str, Any]:
    """The style, and the sizes libass will draw with as shares of the picture's height, for the page's overlay."""
    look = look_for(opened.job({}, options))
    height = look.canvas.height
    return {
        **dataclasses.asdict(look.style),
        "canvas": {"width": look.canvas.width, "height": height, "sar": look.canvas.sar},
        "font_share": font_size_px(look.style, look.cue_options, look.canvas) / height,
        "outline_share": round(height * look.style.outline, 1) / height,
        "shadow_share": round(height * look.style.shadow, 1) / height,
    }


# The preset's rules, the same the pipeline and its review report apply, and the gaps between neighbours.


def check_cues(cues: Sequence[Cue], options: Options) -> list[list[dict[str, Any]]]:
    rules = options.cues
    found = []
    for k, cue in enumerate(cues):
        problems = [
            {"rule": p.rule.value, "label": p.rule.label, "message": p.message, "value": round(p.value, 3), "limit": p.limit}
            for p in cue_violations(cue, rules)
        ]
        if k:
            gap = cue.start - cues[k - 1].end
            if gap < -EPSILON:
                problems.append({"rule": OVERLAP, "label": "overlap", "value": round(-gap, 3), "limit": 0,
                                 "message": f"starts {-gap:.3f} s before cue {k} ends"})  # fmt: skip
            elif gap < rules.min_gap - EPSILON:
                problems.append({"rule": GAP, "label": "gap", "value": round(gap, 3), "limit": rules.min_gap,
                                 "message": f"starts {gap:.3f} s after cue {k} ends, less than {rules.min_gap:g} s"})  # fmt: skip
        found.append(problems)
    return found


RULE_LABELS = {**{rule.value: rule.label for rule in Rule}, GAP: "gap", OVERLAP: "overlap"}


# A frame drawn exactly as the burn draws it: the same ASS, font check, placement and libass filter.


def draw_frame(opened: Opened, options: Options, cues: tuple[Cue, ...], language: str, at: float) -> bytes:
    source, media = _picture(opened)
    with _drawing, tempfile.TemporaryDirectory(prefix="subtitler-studio-") as scratch:
        job = opened.job({language: cues}, options, Path(scratch))
        job = dataclasses.replace(job, source=source, media=media)
        job.work.mkdir()
        scenes = placement.scenes_path(opened.job({}))
        if scenes.is_file():  # the analysis the burn used, not made again
            shutil.copyfile(scenes, placement.scenes_path(job))
        if cues:
            job = with_font(job, language)
        job, placed = _placed(job, language)
        placement.burn_subtitles(job, language, placed)
        output = job.work / "frame.png"
        ffmpeg.run(preview_args(source, media, at, output), cwd=job.work, what="drawing the frame")
        return output.read_bytes()


def _placed(job: Job, language: str) -> tuple[Job, placement.Layout]:
    """Where the burn puts each cue: clear of faces and text as the run's analysis of the video says (`[style]
    avoid`); where the style puts them when no analysis of those kinds was kept (another preset's still: analysing
    the whole video for one frame would take minutes)."""
    avoid = set(job.options.style.avoid)
    if avoid:
        try:
            kinds = set(json.loads(placement.scenes_path(job).read_text(encoding="utf-8"))["kinds"])
        except (OSError, ValueError, KeyError, TypeError):
            kinds = set()
        if not kinds or not kinds <= avoid:
            return job, placement.Layout()
    return placement.plan(job, language)


def _picture(opened: Opened) -> tuple[Path, MediaInfo]:
    """The input (as the burn reads it), else the soft-subtitled copy beside the outputs (the same picture)."""
    source = Path(opened.ref.source)
    if source.is_file():
        return source, opened.media
    soft = opened.file("subtitled")
    if soft is None:
        raise Refused("the video is gone: neither the input nor its soft-subtitled copy is there", 409)
    return soft, probe(soft)


def preset_options(opened: Opened, name: Any) -> Options:
    """A preset known by name (built in or the team's own; never a path), laid out for this picture."""
    known = {**builtin_presets(), **user_presets()}
    if not isinstance(name, str) or name not in known:
        raise Refused(f"no preset named {str(name)[:40]!r}: one of {', '.join(sorted(known))}")
    video = opened.media.video
    portrait = video is not None and video.display_size[1] > video.display_size[0]
    return for_picture(load_options(name), portrait)


# Publishing: the job run again through the watcher (the studio's one way to run jobs). The run makes every output
# of each corrected language from its correction, keeps the transcript and everything else whose sources are
# unchanged; a follower tells the pages (`Studio.notify`) how it goes, and which files it made again.


_publishing: dict[str, dict[str, Any]] = {}  # job id -> where its last publish is
_publish_lock = threading.Lock()
FOLLOW_S = 0.5  # how often a publish's job is read from the watcher's ledger
MAX_PUBLISH_S = 12 * 3600.0


def start_publish(studio: Any, opened: Opened, codes: list[str]) -> dict[str, Any]:
    job_id = str(opened.ref.id)
    with _publish_lock:
        if _publishing.get(job_id, {}).get("state") in ("queued", "running"):
            raise Refused("this video is being published already", 409)
        before = _digests(opened.folder)
        began = time.time()
        studio.requeue(job_id)
        state = {"type": "publish", "job": job_id, "state": "queued", "languages": codes, "stage": "", "progress": 0.0,
                 "message": STATES["queued"], "outputs": [], "reused": []}  # fmt: skip
        _publishing[job_id] = state
    follower = threading.Thread(target=_follow, args=(studio, job_id, opened.folder, before, began), daemon=True,
                                name=f"publish-{job_id}")  # fmt: skip
    follower.start()
    return dict(state)


def _digests(folder: Path) -> dict[str, str]:
    """Each output's digest and name, as the job's job.json lists them."""
    try:
        outputs = json.loads((folder / RECORD).read_text(encoding="utf-8")).get("outputs") or {}
        return {f"{key}={entry['digest']}": str(entry["path"]) for key, entry in outputs.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _follow(studio: Any, job_id: str, folder: Path, before: dict[str, str], began: float) -> None:
    """Tell the pages where the publish is until the job ends (its ledger row finished after the request)."""
    seen: tuple[Any, ...] = ()
    while time.time() - began < MAX_PUBLISH_S:
        try:
            ref, entry = studio.record(job_id)
        except LookupError:
            _tell(studio, job_id, state="failed", message="the video is not in the studio any more")
            return
        finished = entry is not None and entry.finished_at is not None and entry.finished_at >= began
        if ref.state in ("done", "failed") and finished:
            _ended(studio, job_id, folder, before, ref.state, entry.error if entry is not None else "")
            return
        now = (ref.state, entry.stage if entry else "", round(entry.progress, 2) if entry else 0.0)
        if now != seen:
            seen = now
            stage = STAGES.get(now[1], now[1]) if now[1] else STATES.get(ref.state, ref.state)
            _tell(studio, job_id, state=ref.state if ref.state in ("queued", "running") else "queued", stage=now[1],
                  progress=now[2], message=stage)  # fmt: skip
        time.sleep(FOLLOW_S)
    _tell(studio, job_id, state="failed", message="the watcher did not finish the job")


def _ended(studio: Any, job_id: str, folder: Path, before: dict[str, str], state: str, error: str) -> None:
    if state == "failed":
        _tell(studio, job_id, state="failed", message=error.strip().splitlines()[0] if error.strip() else "the job failed")
        return
    after = _digests(folder)
    made = sorted({name for key, name in after.items() if key not in before})
    try:
        reused = list(json.loads((folder / RECORD).read_text(encoding="utf-8")).get("reused") or [])
    except (OSError, ValueError, AttributeError):
        reused = []
    _tell(studio, job_id, state="done", stage="", progress=1.0, message="published", outputs=made, reused=reused)


def _tell(studio: Any, job_id: str, **changes: Any) -> None:
    with _publish_lock:
        state = _publishing[job_id]
        state.update(changes)
        event = dict(state)
    try:
        studio.notify(event)
    except Exception:  # a page that went away must not stop the publish
        log.debug("could not notify the pages", exc_info=True)


# The job's glossary, kept in its folder.


def glossary_terms(opened: Opened) -> list[glossary.Term]:
    path = opened.folder / GLOSSARY_FILE
    return list(glossary.load(path).terms) if path.is_file() else []


def add_term(opened: Opened, text: Any) -> list[glossary.Term]:
    term = _text(text, "the term", MAX_TERM_CHARS).strip(".,;:!?¿¡\"'«»“”‘’()[]{}")
    if not term or all(unicodedata.category(char)[0] in "PSZ" for char in term):
        raise Refused("the term must hold a word")
    terms = glossary_terms(opened)
    if any(t.text == term for t in terms):
        return terms
    if len(terms) >= MAX_TERMS:
        raise Refused(f"the glossary holds {MAX_TERMS} terms already")
    terms.append(glossary.Term(term))
    rows = [f"{json.dumps(t.text, ensure_ascii=False)} = {_renderings(t)}" for t in terms]
    text_out = "# Names and terms this video's subtitles must write as given (added in the studio's editor)\n"
    text_out += "\n".join(rows) + "\n"
    tomllib.loads(text_out)  # what is written reads back
    write_text(opened.folder / GLOSSARY_FILE, text_out)
    return terms


def _renderings(term: glossary.Term) -> str:
    return "{ " + ", ".join(f"{code} = {json.dumps(text, ensure_ascii=False)}" for code, text in term.renderings) + " }" \
        if term.renderings else "{}"  # fmt: skip


# The routes.


async def _body(request: Request) -> dict[str, Any]:
    if int(request.headers.get("content-length") or 0) > MAX_BODY_BYTES:
        raise Refused("the request is too large", 413)
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise Refused("the request is too large", 413)
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise Refused("the request must be JSON") from exc
    if not isinstance(data, dict):
        raise Refused("the request must be a JSON object")
    return data


def _answer(handler: Any) -> Any:
    """A handler whose refusals are answered as JSON `{"error": message}` with their status."""

    async def answered(request: Request) -> Response:
        try:
            return await handler(request)
        except Refused as refused:
            return JSONResponse({"error": str(refused)}, refused.status)
        except EditConflict as conflict:
            return JSONResponse({"error": str(conflict), "current": conflict.current}, 409)
        except SubtitlerError as exc:
            return JSONResponse({"error": str(exc)}, 422)

    answered.__name__ = handler.__name__
    return answered


async def editor_page(request: Request) -> Response:
    """The editor of one job; a page that says why when the job is unknown or not finished yet."""
    page: dict[str, Any] = {"scripts": ["editor.js"], "styles": ["editor.css"]}
    studio = request.app.state.studio
    try:
        ref = studio.resolve(str(request.path_params["job_id"]))
    except LookupError:
        return render(request, "editor.html", 404, ref=None, ready=False, reason="There is no such video in the studio.",
                      title="Studio: not found", **page)  # fmt: skip
    title = f"Studio: correct {ref.name}"
    try:
        opened = await run_in_threadpool(open_job, request)
    except Refused as refused:
        return render(request, "editor.html", ref=ref, ready=False, reason=str(refused).capitalize() + ".", title=title,
                      **page)  # fmt: skip
    if not opened.languages:
        return render(request, "editor.html", ref=ref, ready=False, title=title, **page,
                      reason="This video has no subtitles to correct: no speech was found in it.")  # fmt: skip
    names = {code: languages.get(code).name for code in opened.languages}
    presets = sorted({**builtin_presets(), **user_presets()})
    spoken = opened.record.get("language") or ""
    return render(request, "editor.html", ref=ref, ready=True, languages=names, presets=presets, spoken=spoken,
                  preset=_preset_name(opened.options.preset), title=title, **page)  # fmt: skip


def _preset_name(preset: str) -> str:
    """The job's preset as the still's menu names it: a preset file made for an upload extends a network's preset."""
    known = {**builtin_presets(), **user_presets()}
    return preset if preset in known else Path(preset).stem


async def video(request: Request) -> Response:
    opened = await run_in_threadpool(open_job, request)
    soft = opened.file("subtitled")
    path = soft if soft is not None and soft.suffix.lower() in PLAYABLE else Path(opened.ref.source)
    if not path.is_file():
        raise Refused("the video is gone", 404)
    return FileResponse(path, filename=None, headers={"Cache-Control": "no-cache"})


def _cues_answer(opened: Opened, language: str) -> dict[str, Any]:
    version, cues = current_cues(opened, language)
    sources = source_sentences(opened, language, cues)
    return {
        "language": language,
        "version": version,
        "edited": version is not None,
        "cues": [cue_json(cue, source) for cue, source in zip(cues, sources, strict=True)],
        "problems": check_cues(cues, opened.options),
        "rules": dataclasses.asdict(opened.options.cues),
        "labels": RULE_LABELS,
        "unsure_below": opened.options.review.unsure_below,
        "fps": opened.fps,
        "duration": opened.media.duration,
        "spaced": language not in UNSPACED,
        "style": style_json(opened, opened.options),
    }


async def get_cues(request: Request) -> Response:
    opened = await run_in_threadpool(open_job, request)
    language = language_of(opened, request.path_params["lang"])
    return JSONResponse(await run_in_threadpool(_cues_answer, opened, language))


async def put_cues(request: Request) -> Response:
    opened = await run_in_threadpool(open_job, request)
    language = language_of(opened, request.path_params["lang"])
    body = await _body(request)
    base = body.get("base")
    if base is not None and (isinstance(base, bool) or not isinstance(base, int) or base < 0):
        raise Refused("base must be the version the edit started from, or null")
    note = _text(body.get("note", ""), "the note", MAX_NOTE_CHARS)
    return JSONResponse({"version": await run_in_threadpool(_save, opened, language, body.get("cues"), base, note)})


def _save(opened: Opened, language: str, data: Any, base: int | None, note: str) -> int:
    cues = edits.cues_from_data(data, language)  # every value checked, as a version file is read
    return EditStore(opened.folder).save(language, cues, base, note)


async def check(request: Request) -> Response:
    opened = await run_in_threadpool(open_job, request)
    body = await _body(request)
    cues = cues_to_check(body.get("cues"))
    return JSONResponse({"cues": check_cues(cues, opened.options), "labels": RULE_LABELS})


def _moment(opened: Opened, value: Any) -> float:
    try:
        at = float(value)
    except (TypeError, ValueError):
        at = math.nan
    if not (math.isfinite(at) and 0 <= at < opened.media.duration):
        raise Refused(f"t must be a time in the video, from 0 to {opened.media.duration:.3f} s")
    return at


async def _png(request: Request, preset: str | None) -> Response:
    opened = await run_in_threadpool(open_job, request)
    language = language_of(opened, request.query_params.get("lang"))
    at = _moment(opened, request.query_params.get("t"))
    options = opened.options if preset is None else preset_options(opened, preset)
    _, cues = await run_in_threadpool(current_cues, opened, language)
    png = await run_in_threadpool(draw_frame, opened, options, cues, language, at)
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


async def frame(request: Request) -> Response:
    return await _png(request, None)


async def still(request: Request) -> Response:
    return await _png(request, request.query_params.get("preset"))


async def publish(request: Request) -> Response:
    opened = await run_in_threadpool(open_job, request)
    if str(opened.ref.state) in ("waiting", "queued", "running"):
        raise Refused("this video is being subtitled now: publish once it is done", 409)
    body = await _body(request)
    given = body.get("languages")
    edited = await run_in_threadpool(EditStore(opened.folder).languages)
    if given is None:
        codes = [code for code in opened.languages if code in edited]
    elif isinstance(given, list) and len(given) <= len(opened.languages):
        codes = list(dict.fromkeys(language_of(opened, code) for code in given))
    else:
        raise Refused("languages must be a list of this video's languages")
    retranslate = body.get("retranslate", False)
    if not isinstance(retranslate, bool):
        raise Refused("retranslate must be true or false")
    if not codes:
        raise Refused("nothing to publish: no language has been corrected")
    spoken = opened.languages[0] if opened.languages else ""
    if retranslate:  # the other languages translated again from the spoken language's correction
        if spoken not in codes:
            raise Refused("to translate the other languages again, correct the spoken language first")
        await run_in_threadpool(EditStore(opened.folder).ask_retranslation, spoken)
    return JSONResponse(await run_in_threadpool(start_publish, request.app.state.studio, opened, codes), 202)


async def publish_state(request: Request) -> Response:
    opened = await run_in_threadpool(open_job, request)
    with _publish_lock:
        state = dict(_publishing.get(str(opened.ref.id)) or {"state": "idle"})
    return JSONResponse(state)


async def get_glossary(request: Request) -> Response:
    opened = await run_in_threadpool(open_job, request)
    return JSONResponse({"terms": [t.text for t in await run_in_threadpool(glossary_terms, opened)]})


async def post_glossary(request: Request) -> Response:
    opened = await run_in_threadpool(open_job, request)
    body = await _body(request)
    terms = await run_in_threadpool(add_term, opened, body.get("term"))
    return JSONResponse({"terms": [t.text for t in terms]})


routes = [
    Route("/jobs/{job_id}", editor_page, methods=["GET"]),
    Route("/api/jobs/{job_id}/video", _answer(video), methods=["GET", "HEAD"]),
    Route("/api/jobs/{job_id}/cues/{lang}", _answer(get_cues), methods=["GET"]),
    Route("/api/jobs/{job_id}/cues/{lang}", _answer(put_cues), methods=["PUT"]),
    Route("/api/jobs/{job_id}/check", _answer(check), methods=["POST"]),
    Route("/api/jobs/{job_id}/frame", _answer(frame), methods=["GET"]),
    Route("/api/jobs/{job_id}/still", _answer(still), methods=["GET"]),
    Route("/api/jobs/{job_id}/publish", _answer(publish), methods=["POST"]),
    Route("/api/jobs/{job_id}/publish", _answer(publish_state), methods=["GET"]),
    Route("/api/jobs/{job_id}/glossary", _answer(get_glossary), methods=["GET"]),
    Route("/api/jobs/{job_id}/glossary", _answer(post_glossary), methods=["POST"]),
]

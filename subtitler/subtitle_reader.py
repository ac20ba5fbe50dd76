"""A strict reader for the subtitle files people give (SRT, WebVTT, ASS/SSA): typed cues, and every problem
with its line number.

Pure: bytes in, `Subtitles` out; the messages are made from the problems' data by `message`. `check` turns a
reading into the cues to burn and the warnings to show, or raises `SubtitleFileError`. Malformed cues are
errors (skipped when lenient); a file over a limit, or not UTF-8, is refused; ASS features a corrected
subtitle file cannot mean (drawings, positions, fades, karaoke, embedded fonts) are ignored with one warning
per kind.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from subtitler.errors import SubtitleFileError

MAX_FILE_BYTES = 20_000_000
MAX_CUES = 20_000
MAX_LINES_PER_CUE = 10
MAX_CHARS_PER_CUE = 1_000
MAX_LINE_CHARS = 10_000  # one line of the file, override tags included
MAX_FILE_LINES = MAX_CUES * (MAX_LINES_PER_CUE + 3)  # every cue numbered, timed, full and followed by a blank line
MAX_ERRORS = 100  # malformed lines before the file is refused as not subtitles at all
SHOWN_ERRORS = 20  # in the message of a refused file

FORMATS = {".srt": "srt", ".vtt": "vtt", ".ass": "ass", ".ssa": "ass"}

REFUSAL, ERROR, WARNING = "refusal", "error", "warning"
RULES: dict[str, tuple[str, str]] = {  # rule -> (severity, message made from a Problem's fields)
    "too-large": (REFUSAL, "the file is larger than {limit:,} bytes, the most a subtitle file may be"),
    "not-utf8": (REFUSAL, "not UTF-8 text (byte 0x{value:02x}): save the file as UTF-8"),
    "too-many-cues": (REFUSAL, "more than {limit:,} cues, the most a subtitle file may hold"),
    "too-many-file-lines": (REFUSAL, "more than {limit:,} lines, the most a subtitle file may have"),
    "too-many-errors": (REFUSAL, "more than {limit:,} malformed lines: is this a subtitle file?"),
    "not-timestamp": (ERROR, "{quoted} is not a timestamp line"),
    "not-time": (ERROR, "{quoted} is not a time"),
    "negative-time": (ERROR, "{quoted} has a negative time"),
    "end-not-after-start": (ERROR, "{quoted} does not end after it starts"),
    "not-cue-number": (ERROR, "{quoted} is not a cue number"),
    "not-cue": (ERROR, "{quoted} is not part of a cue: no timestamp line comes before it"),
    "not-webvtt": (ERROR, "{quoted} is not a WebVTT header: the file must start with 'WEBVTT'"),
    "outside-section": (ERROR, "{quoted} comes before any [section]"),
    "not-key-value": (ERROR, "{quoted} is not a 'Key: value' line"),
    "not-event": (ERROR, "{quoted} is not a Dialogue, Comment or Format line"),
    "dialogue-fields": (ERROR, "{quoted} is not a Dialogue line of {limit} fields"),
    "bad-format": (ERROR, "{quoted} is not a Format line with Start, End and Text (Text last)"),
    "control-chars": (ERROR, "{quoted} holds control characters"),
    "line-too-long": (ERROR, "a line of {value:,} characters: more than {limit:,}, the most a line may hold"),
    "too-many-lines": (ERROR, "a cue of {value:,} lines: more than {limit:,}, the most a cue may have"),
    "too-many-chars": (ERROR, "a cue of {value:,} characters: more than {limit:,}, the most a cue may hold"),
    "drawing": (WARNING, "drawings ({{\\p1}}) are not text: ignored"),
    "position": (WARNING, "positions ({{\\pos}}, {{\\move}}, {{\\an}}) are ignored: the preset places the subtitles"),
    "clip": (WARNING, "clips ({{\\clip}}) are ignored"),
    "fade": (WARNING, "fades ({{\\fad}}) are ignored"),
    "karaoke": (WARNING, "karaoke timings ({{\\k}}) are ignored"),
    "animation": (WARNING, "animations ({{\\t}}) are ignored"),
    "effect": (WARNING, "effects (Banner, Scroll) are ignored"),
    "event": (WARNING, "Picture, Sound, Movie and Command events are ignored"),
    "fonts": (WARNING, "embedded fonts ([Fonts]) are ignored: the preset's font is used"),
    "graphics": (WARNING, "embedded pictures ([Graphics]) are ignored"),
}


@dataclass(frozen=True)
class SubtitleCue:
    start: float  # seconds
    end: float
    lines: tuple[str, ...]  # the text to show, markup removed
    line: int  # where the cue's timestamp is in the file (1-based)


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based; 0 for the file as a whole
    rule: str  # a key of RULES
    text: str = ""  # the offending text, shortened
    value: int = 0  # what was found (characters, lines, a byte), where the rule has a limit
    limit: int = 0
    count: int = 1  # for a warning: on how many lines it was found

    @property
    def severity(self) -> str:
        return RULES[self.rule][0]


@dataclass(frozen=True)
class Subtitles:
    cues: tuple[SubtitleCue, ...]  # sorted by time; the malformed ones are left out
    problems: tuple[Problem, ...]  # by line

    def of(self, severity: str) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == severity)


def message(problem: Problem, name: str) -> str:
    """One line for a person: 'reel.srt:14: '00:01:02,5OO --> 00:01:04,000' is not a timestamp line'."""
    text = problem.text if len(problem.text) <= 60 else problem.text[:60] + "…"
    said = RULES[problem.rule][1].format(quoted=repr(text), value=problem.value, limit=problem.limit)
    if problem.count > 1:
        said += f", here and on {problem.count - 1:,} more line{'s' if problem.count > 2 else ''}"
    return f"{name}:{problem.line}: {said}" if problem.line else f"{name}: {said}"


def check(subtitles: Subtitles, name: str, lenient: bool = False) -> tuple[tuple[SubtitleCue, ...], tuple[str, ...]]:
    """The cues to burn and the warnings to show. Raises SubtitleFileError for a refused file, for malformed
    cues unless `lenient` (then each is skipped with a warning), and for a file with no cue at all."""
    refused = subtitles.of(REFUSAL)
    if refused:
        raise SubtitleFileError(message(refused[0], name), name, ((refused[0].line, refused[0].rule),))
    errors = subtitles.of(ERROR)
    if errors and not lenient:
        lines = [message(p, name) for p in errors[:SHOWN_ERRORS]]
        if len(errors) > SHOWN_ERRORS:
            lines.append(f"{name}: and {len(errors) - SHOWN_ERRORS} more")
        lines.append("(correct the lines named, or give --lenient to skip them)")
        raise SubtitleFileError("\n".join(lines), name, tuple((p.line, p.rule) for p in errors))
    warnings = [message(p, name) + (" (skipped)" if p.severity == ERROR else "") for p in subtitles.problems]
    if not subtitles.cues:  # the warnings say why, when a file of drawings or of bad cues leaves nothing
        raise SubtitleFileError("\n".join([f"{name} holds no subtitles", *warnings]), name, ())
    return subtitles.cues, tuple(warnings)


def read(data: bytes, fmt: str) -> Subtitles:
    """Read a subtitle file's bytes as `fmt` ("srt", "vtt" or "ass"); never raises for what the file holds."""
    parse = PARSERS[fmt]
    found = _Found()
    try:
        if len(data) > MAX_FILE_BYTES:
            raise _Refused(Problem(0, "too-large", limit=MAX_FILE_BYTES))
        if max(data.count(b"\n"), data.count(b"\r")) > MAX_FILE_LINES:  # before any work per line
            raise _Refused(Problem(0, "too-many-file-lines", limit=MAX_FILE_LINES))
        parse(_numbered(_decode(data)), found)
    except _Refused as refused:
        return Subtitles((), (refused.problem,))
    warnings = [Problem(lines[0], kind, count=len(lines)) for kind, lines in found.ignored.items()]
    return Subtitles(
        tuple(sorted(found.cues, key=lambda c: (c.start, c.end, c.line))),
        tuple(sorted(found.problems + warnings, key=lambda p: p.line)),
    )


Line = tuple[int, str]  # (1-based number, text)
Span = tuple[float, float] | None  # a cue's start and end; None when its timing line was refused


class _Refused(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem


@dataclass
class _Found:
    cues: list[SubtitleCue] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored: dict[str, list[int]] = field(default_factory=dict)  # warning kind -> the lines it is on
    timed: int = 0  # timestamp lines read: empty and malformed cues count too

    def timing(self, line: int) -> None:
        self.timed += 1
        if self.timed > MAX_CUES:
            raise _Refused(Problem(line, "too-many-cues", limit=MAX_CUES))

    def error(self, line: int, rule: str, text: str = "", value: int = 0, limit: int = 0) -> None:
        if len(self.problems) >= MAX_ERRORS:
            raise _Refused(Problem(line, "too-many-errors", limit=MAX_ERRORS))
        self.problems.append(Problem(line, rule, text[:61], value, limit))

    def ignore(self, kind: str, line: int) -> None:
        lines = self.ignored.setdefault(kind, [])
        if not lines or lines[-1] != line:
            lines.append(line)

    def bad_line(self, line: Line) -> bool:
        """A line too long to read further, or holding control characters, is an error."""
        number, text = line
        if len(text) > MAX_LINE_CHARS:
            self.error(number, "line-too-long", value=len(text), limit=MAX_LINE_CHARS)
        elif _CONTROL.search(text):
            self.error(number, "control-chars", text.strip())
        else:
            return False
        return True


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # a tab is allowed (read as a space)


def _decode(data: bytes) -> str:
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Refused(Problem(data.count(b"\n", 0, exc.start) + 1, "not-utf8", value=data[exc.start])) from None


def _numbered(text: str) -> list[Line]:
    # Not str.splitlines: it also splits at form feeds and U+2028, so the numbers would not be an editor's.
    return list(enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1))


def _blocks(lines: list[Line]) -> list[list[Line]]:
    """Runs of lines between blank lines."""
    blocks: list[list[Line]] = [[]]
    for line in lines:
        if line[1].strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


# Times: h:mm:ss,mmm (SRT), h:mm:ss.cc (ASS), [h:]mm:ss.mmm (WebVTT); a sign is read to be refused by name.
_TIME = r"(-?)(\d{1,3}):([0-5]\d):([0-5]\d)[,.](\d{1,3})"
_VTT_TIME = r"(-?)(?:(\d{1,3}):)?([0-5]\d):([0-5]\d)[,.](\d{1,3})"
_SRT_TIMING = re.compile(rf"{_TIME}[ \t]*-->[ \t]*{_TIME}(?:[ \t]+X1:-?\d+[ \t]+X2:-?\d+[ \t]+Y1:-?\d+[ \t]+Y2:-?\d+)?")
_VTT_TIMING = re.compile(rf"{_VTT_TIME}[ \t]*-->[ \t]*{_VTT_TIME}")
_ASS_TIME = re.compile(_TIME)


def _seconds(sign: str, hours: str | None, minutes: str, seconds: str, fraction: str) -> float:
    value = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(fraction) / 10 ** len(fraction)
    return -value if sign else value


def _span(groups: tuple[str, ...], line: Line, found: _Found) -> Span:
    """A cue's start and end from a timing's ten groups; None (and an error) when negative or not increasing."""
    start, end = _seconds(*groups[:5]), _seconds(*groups[5:])
    if groups[0] or groups[5]:
        found.error(line[0], "negative-time", line[1].strip())
    elif end <= start:
        found.error(line[0], "end-not-after-start", line[1].strip())
    else:
        return start, end
    return None


def _srt_timing(line: Line, found: _Found) -> Span:
    timing = _SRT_TIMING.fullmatch(line[1].strip())
    if timing is None:
        found.error(line[0], "not-timestamp", line[1].strip())
        return None
    return _span(timing.groups(), line, found)


def _vtt_timing(line: Line, found: _Found) -> Span:
    text = line[1].strip()
    timing = _VTT_TIMING.match(text)
    settings = text[timing.end() :] if timing else ""
    if timing is None or (settings and not settings[0].isspace()) or not all(_is_setting(s) for s in settings.split()):
        found.error(line[0], "not-timestamp", text)
        return None
    return _span(timing.groups(), line, found)


def _is_setting(token: str) -> bool:
    name, colon, value = token.partition(":")
    return bool(name and colon and value)  # align:start, position:10%, line:0, size:50%, vertical:rl, region:id


def _add(found: _Found, line: Line, span: Span, lines: list[str]) -> None:
    """A cue from its text's lines (markup removed), unless its timing was bad or it is over a limit."""
    found.timing(line[0])
    if span is None:
        return
    shown = [t.replace("\t", " ").strip() for text in lines for t in text.split("\n")]
    shown = [t for t in shown if t]
    chars = sum(len(t) for t in shown)
    if len(shown) > MAX_LINES_PER_CUE:
        found.error(line[0], "too-many-lines", value=len(shown), limit=MAX_LINES_PER_CUE)
    elif chars > MAX_CHARS_PER_CUE:
        found.error(line[0], "too-many-chars", value=chars, limit=MAX_CHARS_PER_CUE)
    elif shown:  # a cue with no text shows nothing: left out
        found.cues.append(SubtitleCue(span[0], span[1], tuple(shown), line[0]))


def _cues_of_block(
    block: list[Line], found: _Found, numbered: bool, timing: Callable[[Line, _Found], Span]
) -> list[tuple[Line, Span, list[Line]]]:
    """A block's cues as (timing line, span, text lines). A line holding '-->' starts a cue, even where
    the blank line before it is missing; before the first, at most one line: its number (SRT) or identifier."""
    starts = [k for k, (_, text) in enumerate(block) if "-->" in text]
    if not starts:
        _no_timing(block, found, numbered)
        return []
    if starts[0] > 1:
        found.error(block[0][0], "not-cue", block[0][1].strip())
    elif starts[0] == 1 and numbered and not block[0][1].strip().isdigit():
        found.error(block[0][0], "not-cue-number", block[0][1].strip())
    cues = []
    for i, k in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(block)
        if numbered and end < len(block) and end - 1 > k and block[end - 1][1].strip().isdigit():
            end -= 1  # the next cue's number
        cues.append((block[k], timing(block[k], found), block[k + 1 : end]))
    return cues


_LOOKS_TIMED = re.compile(r"\s*-?\d+:\d")


def _no_timing(block: list[Line], found: _Found, numbered: bool) -> None:
    """The error for a block without '-->': at its timestamp line if it has something like one, else at its start."""
    if numbered and len(block) > 1 and block[0][1].strip().isdigit():
        found.error(block[1][0], "not-timestamp", block[1][1].strip())
        return
    timed = next((line for line in block[:2] if _LOOKS_TIMED.match(line[1])), None)
    if timed is not None:
        found.error(timed[0], "not-timestamp", timed[1].strip())
    else:
        found.error(block[0][0], "not-cue", block[0][1].strip())


_SRT_TAG = re.compile(r"</?(?:i|b|u|s|font)\b[^<>]*>", re.IGNORECASE)


def _read_srt(lines: list[Line], found: _Found) -> None:
    for block in _blocks(lines):
        if any(found.bad_line(line) for line in block):
            continue
        for line, span, text in _cues_of_block(block, found, True, _srt_timing):
            _add(found, line, span, [_overrides(_SRT_TAG.sub("", t), n, found, tags_only=True) for n, t in text])


_VTT_TAG = re.compile(r"<(?:/?[A-Za-z][^<>]*|\d[\d:.]*)>")  # <c.x>, <v Name>, <i>, </c>, <00:00:01.000>
_VTT_HEADER = re.compile(r"WEBVTT(?:[ \t].*)?")


def _read_vtt(lines: list[Line], found: _Found) -> None:
    blocks = _blocks(lines)
    if not _VTT_HEADER.fullmatch(lines[0][1].rstrip()):
        found.error(1, "not-webvtt", lines[0][1].strip())
    else:  # the header and the metadata lines under it; a cue right under them, without a blank line, is read
        header = blocks.pop(0)
        timed = [k for k, (_, text) in enumerate(header) if "-->" in text]
        if timed:
            blocks.insert(0, header[timed[0] :])
    for block in blocks:
        if any(found.bad_line(line) for line in block):
            continue
        first = block[0][1].strip()
        if first.split(maxsplit=1)[0] in ("NOTE", "STYLE", "REGION") and "-->" not in first:
            continue  # a comment, a style sheet or a region: the preset styles and places the subtitles
        for line, span, text in _cues_of_block(block, found, False, _vtt_timing):
            _add(found, line, span, [html.unescape(_VTT_TAG.sub("", t)) for _, t in text])


_ASS_FORMAT = ["layer", "start", "end", "style", "name", "marginl", "marginr", "marginv", "effect", "text"]


def _read_ass(lines: list[Line], found: _Found) -> None:
    section = None
    fields = _ASS_FORMAT
    for number, raw in lines:
        text = raw.strip()
        if text.startswith("[") and text.endswith("]") and len(text) <= MAX_LINE_CHARS:
            section = text[1:-1].strip().lower()
            if section in ("fonts", "graphics"):
                found.ignore(section, number)
            continue
        if not text or text.startswith(";") or section in ("fonts", "graphics") or found.bad_line((number, raw)):
            continue  # blank, a comment, an embedded file's data, or an error already
        key, colon, value = text.partition(":")
        key = key.strip().lower()
        if section is None:
            found.error(number, "outside-section", text)
        elif not colon:
            found.error(number, "not-key-value" if section != "events" else "not-event", text)
        elif section != "events" or key == "comment":
            continue
        elif key == "format":
            named = [f.strip().lower() for f in value.split(",")]
            if {"start", "end", "text"} <= set(named) and named[-1] == "text":
                fields = named
            else:
                found.error(number, "bad-format", text)
        elif key == "dialogue":
            _dialogue((number, text), value, fields, found)
        elif key in ("picture", "sound", "movie", "command"):
            found.ignore("event", number)
        else:
            found.error(number, "not-event", text)


def _dialogue(line: Line, value: str, fields: list[str], found: _Found) -> None:
    parts = value.split(",", len(fields) - 1)
    if len(parts) < len(fields):
        found.error(line[0], "dialogue-fields", line[1], limit=len(fields))
        return
    row = dict(zip(fields, parts, strict=True))
    start, end = _ASS_TIME.fullmatch(row["start"].strip()), _ASS_TIME.fullmatch(row["end"].strip())
    if start is None or end is None:
        found.error(line[0], "not-time", row["start" if start is None else "end"].strip())
        return
    span = _span(start.groups() + end.groups(), line, found)
    if row.get("effect", "").strip():
        found.ignore("effect", line[0])
    _add(found, line, span, [_overrides(row["text"], line[0], found, tags_only=False)])


_OVERRIDE = re.compile(r"\{([^{}]*)\}")  # [^{}]: each '{' is scanned to the next brace only (linear)
_SRT_OVERRIDE = re.compile(r"\{(\\[^{}]*)\}")  # in SRT only a block of tags, like {\an8}, is not text
_ESCAPE = re.compile(r"\\([Nnh])")
_FEATURES = [  # the kinds of override tags ignored with a warning (styling, like {\i1}, is dropped silently)
    ("position", re.compile(r"\\(?:pos\(|move\(|org\(|an?\d)")),
    ("clip", re.compile(r"\\i?clip\(")),
    ("fade", re.compile(r"\\fade?\(")),
    ("karaoke", re.compile(r"\\[kK][fo]?\d")),
    ("animation", re.compile(r"\\t\(")),
]
_DRAWING = re.compile(r"\\p(\d+)")
_DRAWING_ON = re.compile(r"\\p0*[1-9]")


def _overrides(text: str, number: int, found: _Found, tags_only: bool) -> str:
    """Text without its ASS override blocks, and without what drawing mode draws; \\N and \\n are line
    breaks and \\h a space (in ASS). In SRT (`tags_only`) only blocks of tags, like {\\an8}, are read."""
    parts = (_SRT_OVERRIDE if tags_only else _OVERRIDE).split(text)
    pieces, blocks = parts[0::2], parts[1::2]  # text, block, text, ..., text
    tags = "}{".join(blocks)  # searched once per line, not once per tag: a line may hold thousands
    for kind, pattern in _FEATURES:
        if pattern.search(tags):
            found.ignore(kind, number)
    if _DRAWING_ON.search(tags):
        found.ignore("drawing", number)
        shown, drawing = [], False
        for piece, block in zip(pieces, [*blocks, ""], strict=True):
            if not drawing:
                shown.append(piece)
            modes = _DRAWING.findall(block)
            if modes:
                drawing = modes[-1].strip("0") != ""  # \p0 ends the drawing (never int(): the digits may be many)
        pieces = shown
    joined = "".join(pieces)
    return joined if tags_only else _ESCAPE.sub(lambda m: " " if m.group(1) == "h" else "\n", joined)


PARSERS: dict[str, Callable[[list[Line], _Found], None]] = {"srt": _read_srt, "vtt": _read_vtt, "ass": _read_ass}

"""Cues and transcripts to text: SRT, WebVTT, styled ASS (pysubs2 behind them), JSON, plain text."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import pysubs2

from subtitler.model import Cue, Segment, Sentence, Transcript, Translation, Word
from subtitler.options import CueOptions, StyleOptions

ALIGNMENT = {"bottom": 2, "middle": 5, "top": 8}
PARAGRAPH_GAP = 2.0  # seconds of silence that start a new paragraph in plain text


@dataclass(frozen=True)
class Canvas:
    """The picture the subtitles are drawn on: frame size as a filter sees it, and its pixel aspect."""

    width: int
    height: int
    sar: float = 1.0

    @property
    def display_width(self) -> float:
        return self.width * self.sar


def _colour(hex_rgb: str, opacity: float = 1.0) -> pysubs2.Color:
    value = hex_rgb.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"colour must be #RRGGBB, not {hex_rgb!r}")
    r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return pysubs2.Color(r, g, b, round(255 * (1 - opacity)))


def font_size_px(style: StyleOptions, cues: CueOptions, canvas: Canvas) -> float:
    """Size relative to the picture height, shrunk if a full line would not fit the picture's width."""
    wanted = canvas.height * style.font_size
    usable_width = canvas.display_width * (1 - 2 * style.margin_horizontal)
    fits = usable_width / (cues.max_chars_per_line * style.char_width_em)
    return round(max(style.min_font_size_px, min(wanted, fits)), 1)


def ass_style(style: StyleOptions, cues: CueOptions, canvas: Canvas) -> pysubs2.SSAStyle:
    box = style.border_style == "box"
    return pysubs2.SSAStyle(
        fontname=style.font,
        fontsize=font_size_px(style, cues, canvas),
        bold=style.bold,
        primarycolor=_colour(style.primary_colour),
        outlinecolor=_colour(style.back_colour if box else style.outline_colour, style.back_opacity if box else 1.0),
        backcolor=_colour(style.back_colour, style.back_opacity),
        borderstyle=3 if box else 1,
        outline=round(canvas.height * style.outline, 1),
        shadow=round(canvas.height * style.shadow, 1),
        alignment=pysubs2.Alignment(ALIGNMENT[style.alignment]),
        marginl=round(canvas.width * style.margin_horizontal),
        marginr=round(canvas.width * style.margin_horizontal),
        marginv=round(canvas.height * style.margin_vertical),
        # libass assumes square pixels: widen the glyphs on anamorphic frames so they display true.
        scalex=round(100 / canvas.sar, 2),
    )


def plain_text(line: str) -> str:
    """Keep spoken text from being read as ASS override tags or escapes."""
    return line.replace("\\", "\u2216").replace("{", "(").replace("}", ")")  # ∖: DejaVu has it


def _subs(cues: Sequence[Cue]) -> pysubs2.SSAFile:
    subs = pysubs2.SSAFile()
    for cue in cues:
        subs.append(_event(cue.start, cue.end, r"\N".join(plain_text(line) for line in cue.lines)))
    return subs


def to_srt(cues: Sequence[Cue]) -> str:
    return str(_subs(cues).to_string("srt"))


def to_vtt(cues: Sequence[Cue]) -> str:
    return str(_subs(cues).to_string("vtt"))


def _ass_colour(hex_rgb: str) -> str:
    value = hex_rgb.lstrip("#")
    return f"&H{value[4:6]}{value[2:4]}{value[0:2]}&".upper()


def _places(cue: Cue) -> list[tuple[int, int, int]] | None:
    """Where each of the cue's words is in its lines: (line, first character, past the last); None if they do not match."""
    places = []
    line, offset = 0, 0
    for word in cue.words:
        text = word.text.strip()
        while line < len(cue.lines):
            found = cue.lines[line].find(text, offset)
            if found >= 0:
                places.append((line, found, found + len(text)))
                offset = found + len(text)
                break
            line, offset = line + 1, 0
        else:
            return None
    return places


def _highlight_tags(style: StyleOptions, canvas: Canvas) -> tuple[str, str]:
    """The override tags around the word being spoken, and the reset back to the style after it."""
    tags = ""
    if style.highlight in ("colour", "both"):
        tags += rf"\1c{_ass_colour(style.highlight_colour)}"
    if style.highlight in ("scale", "both"):
        scale = style.highlight_scale * 100
        tags += rf"\fscx{round(scale / canvas.sar, 1)}\fscy{round(scale, 1)}"
    return "{" + tags + "}", r"{\r}"


def _word_events(cue: Cue, style: StyleOptions, canvas: Canvas) -> list[pysubs2.SSAEvent]:
    """One event per word: the whole cue, the word being spoken marked, from its start to the next word's."""
    places = _places(cue)
    if not cue.words or places is None:
        return [_event(cue.start, cue.end, r"\N".join(plain_text(line) for line in cue.lines))]
    opening, closing = _highlight_tags(style, canvas)
    events = []
    for k, (line, first, last) in enumerate(places):
        start = cue.start if k == 0 else max(cue.start, cue.words[k].start)
        end = cue.end if k + 1 == len(places) else min(cue.end, cue.words[k + 1].start)
        if end <= start:
            continue
        lines = [plain_text(text) for text in cue.lines]
        text = cue.lines[line]
        lines[line] = plain_text(text[:first]) + opening + plain_text(text[first:last]) + closing + plain_text(text[last:])
        events.append(_event(start, end, r"\N".join(lines)))
    return events


def _event(start: float, end: float, text: str) -> pysubs2.SSAEvent:
    return pysubs2.SSAEvent(start=round(start * 1000), end=round(end * 1000), text=text)


def to_ass(cues: Sequence[Cue], style: StyleOptions, cue_options: CueOptions, canvas: Canvas) -> str:
    """Styled subtitles for the canvas; with `style.highlight`, word by word (the spoken word marked)."""
    if style.highlight == "none":
        subs = _subs(cues)
    else:
        subs = pysubs2.SSAFile()
        for cue in cues:
            subs.events.extend(_word_events(cue, style, canvas))
    # Our lines are laid out already; word by word, libass must not re-wrap a line when the marked word grows.
    wrap = "0" if style.highlight == "none" else "2"
    subs.info.update({"PlayResX": str(canvas.width), "PlayResY": str(canvas.height), "WrapStyle": wrap})
    subs.styles["Default"] = ass_style(style, cue_options, canvas)
    return str(subs.to_string("ass"))


def to_text(cues: Sequence[Cue]) -> str:
    paragraphs: list[list[str]] = []
    previous_end = None
    for cue in cues:
        if previous_end is None or cue.start - previous_end > PARAGRAPH_GAP:
            paragraphs.append([])
        paragraphs[-1].append(" ".join(line.strip() for line in cue.lines))
        previous_end = cue.end
    return "".join(" ".join(p) + "\n\n" for p in paragraphs).rstrip("\n") + "\n" if paragraphs else ""


def transcript_to_json(transcript: Transcript, meta: dict[str, Any]) -> str:
    data = {"meta": meta, **asdict(transcript), "text": transcript.text}
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def transcript_from_json(text: str) -> tuple[Transcript, dict[str, Any]]:
    data = json.loads(text)
    segments = tuple(
        Segment(
            start=s["start"],
            end=s["end"],
            text=s["text"],
            words=tuple(Word(**w) for w in s["words"]),
            avg_logprob=s.get("avg_logprob", 0.0),
            no_speech_prob=s.get("no_speech_prob", 0.0),
        )
        for s in data["segments"]
    )
    transcript = Transcript(data["language"], data["language_probability"], data["duration"], segments)
    return transcript, data.get("meta", {})


def translation_to_json(translation: Translation, sources: Sequence[Sentence], meta: dict[str, Any]) -> str:
    """A translation with each sentence's source text beside it (when the route read text, not audio)."""
    by_span = {(s.start, s.end): s.text for s in sources}
    sentences = [{**asdict(s), "source": by_span.get((s.start, s.end), "")} for s in translation.sentences]
    data = {"meta": meta, **asdict(translation), "sentences": sentences}
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def translation_from_json(text: str) -> Translation:
    data = json.loads(text)
    sentences = tuple(Sentence(s["start"], s["end"], s["text"]) for s in data["sentences"])
    return Translation(data["language"], data["source_language"], data["route"], sentences)


def parse(text: str, fmt: str) -> list[tuple[float, float, str]]:
    """Read subtitles back (start, end, text with newlines): used to check what was written."""
    subs = pysubs2.SSAFile.from_string(text, format_=fmt)
    return [(e.start / 1000, e.end / 1000, e.plaintext) for e in subs if not e.is_comment]


CUE_WRITERS: dict[str, Callable[[Sequence[Cue]], str]] = {"srt": to_srt, "vtt": to_vtt, "txt": to_text}

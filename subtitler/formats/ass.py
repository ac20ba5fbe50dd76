"""Advanced SubStation Alpha: subtitles styled for the picture they are drawn on, word by word when the style
highlights the spoken word; what libass burns in (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pysubs2

from subtitler.formats.events import cue_text, event, plain_text
from subtitler.formats.format import Canvas, Content, Format, Look
from subtitler.model import Cue
from subtitler.options import CueOptions, StyleOptions

ALIGNMENT = {"bottom": 2, "middle": 5, "top": 8}  # [style] alignment -> ASS numpad position


@dataclass(frozen=True)
class Placement:
    """Where one cue goes instead of the style's position: an alignment ([style] alignment's words) and a
    vertical margin (a share of the picture height, from the edge it is aligned to)."""

    alignment: str
    margin: float


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
        return [event(cue.start, cue.end, cue_text(cue))]
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
        events.append(event(start, end, r"\N".join(lines)))
    return events


def _placed(events: list[pysubs2.SSAEvent], place: Placement, style: StyleOptions, canvas: Canvas) -> list[pysubs2.SSAEvent]:
    """A cue's events moved: another alignment as an override tag, another margin as the events' own."""
    for item in events:
        if place.alignment != style.alignment:
            item.text = rf"{{\an{ALIGNMENT[place.alignment]}}}" + item.text
        if place.margin != style.margin_vertical:
            item.marginv = max(1, round(canvas.height * place.margin))  # 0 would mean "the style's"
    return events


def to_ass(
    cues: Sequence[Cue], style: StyleOptions, cue_options: CueOptions, canvas: Canvas,
    places: Sequence[Placement | None] = (),
) -> str:  # fmt: skip
    """Styled subtitles for the canvas; with `style.highlight`, word by word (the spoken word marked). `places`
    moves cues (one per cue, None = where the style puts it)."""
    subs = pysubs2.SSAFile()
    for number, cue in enumerate(cues):
        events = [event(cue.start, cue.end, cue_text(cue))] if style.highlight == "none" else _word_events(cue, style, canvas)
        place = places[number] if number < len(places) else None
        subs.events.extend(_placed(events, place, style, canvas) if place else events)
    # Our lines are laid out already; word by word, libass must not re-wrap a line when the marked word grows.
    wrap = "0" if style.highlight == "none" else "2"
    subs.info.update({"PlayResX": str(canvas.width), "PlayResY": str(canvas.height), "WrapStyle": wrap})
    subs.styles["Default"] = ass_style(style, cue_options, canvas)
    return str(subs.to_string("ass"))


def write(content: Content, look: Look) -> str:
    return to_ass(content.cues, look.style, look.cue_options, look.canvas)


FORMAT = Format("ass", "ass", write, styled=True)

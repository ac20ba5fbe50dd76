import pytest

from subtitler.formats import (
    Canvas,
    ass_style,
    font_size_px,
    parse,
    to_ass,
    to_srt,
    to_text,
    to_vtt,
    transcript_from_json,
    transcript_to_json,
)
from subtitler.model import Cue, Segment, Transcript, Word
from subtitler.options import load_options

CUES = (
    Cue(0.5, 2.25, ("And so my fellow Americans,", "ask not what your country")),
    Cue(2.4, 4.0, ("Ça va? Très bien — {merci}",)),
    Cue(9.0, 10.5, ("Après une pause.",)),
)


@pytest.mark.parametrize("fmt, writer", [("srt", to_srt), ("vtt", to_vtt)])
def test_srt_and_vtt_parse_back(fmt, writer):
    back = parse(writer(CUES), fmt)
    assert [(s, e) for s, e, _ in back] == [(0.5, 2.25), (2.4, 4.0), (9.0, 10.5)]
    assert back[0][2] == "And so my fellow Americans,\nask not what your country"
    assert back[1][2] == "Ça va? Très bien — (merci)"


def test_srt_has_numbered_blocks_and_comma_milliseconds():
    text = to_srt(CUES)
    assert text.startswith("1\n00:00:00,500 --> 00:00:02,250\nAnd so my fellow Americans,\nask not what your country\n")
    assert to_vtt(CUES).startswith("WEBVTT")


def test_ass_is_styled_for_the_picture_and_parses_back():
    options = load_options()
    text = to_ass(CUES, options.style, options.cues, Canvas(1920, 1080))
    assert "PlayResX: 1920" in text and "PlayResY: 1080" in text
    assert "DejaVu Sans" in text
    back = parse(text, "ass")
    assert back[0][2] == "And so my fellow Americans,\nask not what your country"
    assert back[1][2] == "Ça va? Très bien — (merci)"  # braces would have been read as override tags


def test_font_size_follows_height_but_a_full_line_fits_the_width():
    options = load_options()
    landscape = font_size_px(options.style, options.cues, Canvas(1920, 1080))
    assert landscape == pytest.approx(1080 * options.style.font_size, rel=0.01)
    portrait = font_size_px(options.style, options.cues, Canvas(1080, 1920))
    line_width = options.cues.max_chars_per_line * options.style.char_width_em * portrait
    assert line_width <= 1080 * (1 - 2 * options.style.margin_horizontal) + 1


def test_anamorphic_canvas_widens_glyphs():
    options = load_options()
    assert ass_style(options.style, options.cues, Canvas(640, 360, 2 / 3)).scalex == pytest.approx(150)
    assert ass_style(options.style, options.cues, Canvas(640, 360)).scalex == pytest.approx(100)


def test_box_style_uses_the_back_colour_as_box():
    options = load_options("default", {"style": {"border_style": "box"}})
    style = ass_style(options.style, options.cues, Canvas(1280, 720))
    assert style.borderstyle == 3


def test_plain_text_makes_paragraphs_at_long_pauses():
    assert (
        to_text(CUES) == "And so my fellow Americans, ask not what your country Ça va? Très bien — {merci}\n\nAprès une pause.\n"
    )
    assert to_text(()) == ""


def test_transcript_json_round_trip_keeps_words_and_probabilities():
    words = (Word(0.0, 0.4, " Hello", 0.91), Word(0.4, 0.9, " world.", 0.42))
    transcript = Transcript("en", 0.97, 1.5, (Segment(0.0, 0.9, " Hello world.", words, -0.2, 0.01),))
    back, meta = transcript_from_json(transcript_to_json(transcript, {"model": "base"}))
    assert back == transcript
    assert meta == {"model": "base"}

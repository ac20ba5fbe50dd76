import pkgutil

import pytest

from subtitler import choices, formats
from subtitler.formats import FORMATS, Canvas, Content, Look, parse, transcript_from_json, transcript_to_json
from subtitler.formats.ass import ALIGNMENT, ass_style, font_size_px, to_ass
from subtitler.formats.srt import to_srt
from subtitler.formats.txt import to_text
from subtitler.formats.vtt import to_vtt
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
    assert portrait < 1920 * options.style.font_size  # shrunk from what the height asks...
    line_width = options.cues.max_chars_per_line * options.style.char_width_em * portrait
    assert line_width == pytest.approx(1080 * (1 - 2 * options.style.margin_horizontal), abs=2)  # ...just enough to fit


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


def test_the_table_holds_every_format_in_the_order_the_choices_name_them():
    assert tuple(FORMATS) == choices.FORMATS
    assert all(fmt.name == name and fmt.suffix == name for name, fmt in FORMATS.items())
    assert [name for name, fmt in FORMATS.items() if fmt.styled] == ["ass"]
    assert [name for name, fmt in FORMATS.items() if not fmt.per_language] == ["json"]


def test_every_format_module_is_in_the_table():
    helpers = {"events", "format"}
    modules = {m.name for m in pkgutil.iter_modules(formats.__path__)} - helpers
    assert modules == set(FORMATS)


def test_each_format_writes_what_its_function_does():
    options = load_options("tiktok")  # highlights the spoken word
    cues = (Cue(0.5, 1.5, ("Hello {world}",), (Word(0.5, 0.9, " Hello", 0.9), Word(0.9, 1.5, " {world}", 0.4))), *CUES)
    look = Look(options.style, options.cues, Canvas(1080, 1920))
    content = Content(cues=cues)
    assert FORMATS["srt"].write(content, look) == to_srt(cues)
    assert FORMATS["vtt"].write(content, look) == to_vtt(cues)
    assert FORMATS["txt"].write(content, look) == to_text(cues)
    assert FORMATS["ass"].write(content, look) == to_ass(cues, options.style, options.cues, Canvas(1080, 1920))
    transcript = Transcript("en", 0.97, 1.5, (Segment(0.0, 0.9, " Hello world.", (), -0.2, 0.01),))
    written = FORMATS["json"].write(Content(transcript=transcript, meta={"model": "base"}), look)
    assert written == transcript_to_json(transcript, {"model": "base"})
    with pytest.raises(ValueError, match="from the transcript"):
        FORMATS["json"].write(content, look)


def test_every_alignment_has_its_ass_position():
    assert set(ALIGNMENT) == set(choices.ALIGNMENTS)

"""Font choice and coverage against the real fontconfig, and glyphs drawn by the real ffmpeg + libass."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from subtitler import fonts
from subtitler.adapters import ffmpeg
from subtitler.errors import FontError

from .conftest import needs

pytestmark = needs(shutil.which("fc-list") is not None, "fontconfig's tools are not installed (apt-get install fontconfig)")

ACCENTS = "Ça été Ελληνικά Кириллица ñ ß"
PRIVATE_USE = "\ue000"
GLYPHS = ("Ж", "Д", "λ", "é")
# At 120 px on 320x180 these glyphs light 1300 to 2700 pixels (a full stop 130, the missing-glyph box 1600);
# two different glyphs' pictures differ by 2000 pixels or more.
MIN_BRIGHT_PIXELS = 500
MIN_DIFFERENT_PIXELS = 300


def covered_by_fontconfig(character: str) -> bool:
    """fontconfig's own answer, one character at a time: does any outline font cover it?"""
    listing = subprocess.run(
        ["fc-list", f":outline=true:charset={ord(character):x}", "family"], capture_output=True, text=True, check=True
    ).stdout
    return bool(listing.strip())


def test_the_default_font_resolves_to_itself_and_draws_latin_greek_and_cyrillic_accents():
    choice = fonts.choose(fonts.DEFAULT_FONT, ACCENTS)
    assert choice == fonts.FontChoice(fonts.DEFAULT_FONT, fonts.DEFAULT_FONT, fallback=False, uncovered="")
    assert fonts.require(fonts.DEFAULT_FONT, ACCENTS) == choice


def test_families_match_without_regard_to_case():
    choice = fonts.choose("dejavu SANS", "abc")
    assert (choice.used, choice.fallback) == ("DejaVu Sans", False)


def test_an_unknown_family_falls_back_to_dejavu_sans_with_one_warning(caplog: pytest.LogCaptureFixture):
    assert fonts.choose("No Such Font 123", "abc") == fonts.FontChoice("No Such Font 123", "DejaVu Sans", True, "")
    with caplog.at_level(logging.WARNING, logger="subtitler.fonts"):
        fonts.require("No Such Font 456", "abc")
        fonts.require("No Such Font 456", "def")
    warnings = [record.getMessage() for record in caplog.records if "No Such Font 456" in record.getMessage()]
    assert warnings == ["the subtitle font 'No Such Font 456' is not installed, so 'DejaVu Sans' is used instead"]


def test_a_character_no_font_covers_is_reported_and_require_names_it():
    if covered_by_fontconfig(PRIVATE_USE):
        pytest.skip("an installed font covers U+E000")
    text = f"Ж {PRIVATE_USE}a{PRIVATE_USE}"
    assert fonts.choose(fonts.DEFAULT_FONT, text).uncovered == PRIVATE_USE
    with pytest.raises(FontError, match=r"U\+E000") as raised:
        fonts.require(fonts.DEFAULT_FONT, text)
    message = str(raised.value)
    assert raised.value.uncovered == PRIVATE_USE
    assert "\n" not in message
    assert "apt-get install fonts-noto-core fonts-noto-cjk" in message
    assert "[style] font" in message


def test_uncovered_characters_keep_their_order_once_each_and_the_message_shows_ten():
    private = "".join(chr(code_point) for code_point in range(0xE010, 0xE000, -1))  # 16 of them, descending
    if any(covered_by_fontconfig(character) for character in private):
        pytest.skip("an installed font covers part of U+E001..U+E010")
    choice = fonts.choose(fonts.DEFAULT_FONT, f"a {private} b {private[::-1]}")
    assert choice.uncovered == private
    with pytest.raises(FontError) as raised:
        fonts.require(fonts.DEFAULT_FONT, private)
    message = str(raised.value)
    assert "16 characters" in message
    assert "U+E010" in message and "U+E007" in message and "U+E006" not in message
    assert "and 6 more" in message


def test_whitespace_controls_and_invisible_format_characters_are_not_checked():
    choice = fonts.choose(fonts.DEFAULT_FONT, "a\tb\nc\r\x00\x1b\u200d\u00ad\u200f\ufeff\ufe0f\u3000 d")
    assert choice.uncovered == ""


def test_coverage_agrees_with_fontconfigs_own_charset_match():
    characters = "aÇЖλ中あ한ก😀∑\u0301\ue000\U0010fffd"
    uncovered = fonts.choose(fonts.DEFAULT_FONT, characters).uncovered
    for character in characters:
        assert (character not in uncovered) == covered_by_fontconfig(character), f"U+{ord(character):04X}"


ASS_TEMPLATE = """\
[Script Info]
ScriptType: v4.00+
PlayResX: 320
PlayResY: 180
WrapStyle: 2
ScaledBorderAndShadow: yes

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, \
StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Default,DejaVu Sans,120,&H00FFFFFF,&H00FFFFFF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,0,0,5,0,0,0,1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:00.00,0:00:05.00,Default,,0,0,0,,{character}
"""


def drawn(folder: Path, character: str) -> np.ndarray:
    """Burn one character onto a black 320x180 frame with libass; the frame's bright pixels as a mask."""
    (folder / "one.ass").write_text(ASS_TEMPLATE.format(character=character), encoding="utf-8")
    png = folder / f"U+{ord(character):04X}.png"
    args = ["-f", "lavfi", "-i", "color=black:s=320x180:d=1", "-vf", "subtitles=filename=one.ass", "-frames:v", "1"]
    ffmpeg.run([*args, ffmpeg.media_arg(png)], cwd=folder, what="drawing one glyph")
    frame = cv2.imread(str(png), cv2.IMREAD_GRAYSCALE)
    assert frame is not None and frame.shape == (180, 320)
    return frame > 128


def test_libass_draws_each_glyph_as_itself_and_not_as_the_missing_glyph_box(tmp_path: Path):
    if covered_by_fontconfig(PRIVATE_USE):
        pytest.skip("an installed font covers U+E000")
    assert fonts.choose("DejaVu Sans", "".join(GLYPHS)).uncovered == ""
    masks = {character: drawn(tmp_path, character) for character in (*GLYPHS, PRIVATE_USE)}
    for character in GLYPHS:
        assert masks[character].sum() >= MIN_BRIGHT_PIXELS, f"{character} drew (almost) nothing"
    for index, first in enumerate((*GLYPHS, PRIVATE_USE)):
        for second in (*GLYPHS, PRIVATE_USE)[index + 1 :]:
            different = int(np.logical_xor(masks[first], masks[second]).sum())
            assert different >= MIN_DIFFERENT_PIXELS, f"{first} and {second} drew the same picture"


def test_every_uncovered_character_is_drawn_as_the_same_box(tmp_path: Path):
    """What the glyph test guards against: libass draws any character no font has as one identical box."""
    if covered_by_fontconfig(PRIVATE_USE) or covered_by_fontconfig("\ue001"):
        pytest.skip("an installed font covers U+E000 or U+E001")
    box = drawn(tmp_path, PRIVATE_USE)
    assert box.sum() >= MIN_BRIGHT_PIXELS
    assert np.array_equal(box, drawn(tmp_path, "\ue001"))


def test_without_fontconfigs_tools_the_requested_font_is_kept_unchecked_with_a_warning(tmp_path: Path):
    script = (
        "import logging; logging.basicConfig(format='%(levelname)s %(message)s')\n"
        "from subtitler import fonts\n"
        "print(fonts.choose('Some Font', 'a\\ue000'))\n"
        "print(fonts.require('Some Font', 'a\\ue000'))\n"
    )
    env = {"PATH": str(tmp_path), "PYTHONPATH": str(Path(fonts.__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    unchecked = "FontChoice(requested='Some Font', used='Some Font', fallback=False, uncovered='', checked=False)"
    assert done.stdout.splitlines() == [unchecked, unchecked]
    assert done.stderr.count("WARNING") == 1
    assert "could not be checked" in done.stderr

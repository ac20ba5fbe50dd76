"""The strict reader of the subtitle files people give to `burn`: inline reference files, exact lines and messages."""

from __future__ import annotations

import random

import pytest

from subtitler import subtitle_reader as reader
from subtitler.errors import SubtitleFileError, UsageError
from subtitler.subtitle_reader import (
    MAX_CHARS_PER_CUE,
    MAX_CUES,
    MAX_ERRORS,
    MAX_FILE_BYTES,
    MAX_LINE_CHARS,
    MAX_LINES_PER_CUE,
    SubtitleCue,
)


def read(text: str | bytes, fmt: str = "srt") -> reader.Subtitles:
    return reader.read(text.encode("utf-8") if isinstance(text, str) else text, fmt)


def messages(text: str | bytes, fmt: str = "srt", name: str = "reel.fr.srt") -> list[str]:
    return [reader.message(p, name) for p in read(text, fmt).problems]


def texts(subtitles: reader.Subtitles) -> list[tuple[float, float, tuple[str, ...]]]:
    return [(c.start, c.end, c.lines) for c in subtitles.cues]


GOOD_SRT = "1\n00:00:01,000 --> 00:00:02,500\nHello\n\n2\n00:00:03,000 --> 00:00:04,000\nWorld\n"


# SRT


def test_srt_cues_are_typed_and_basic_tags_stripped_without_a_word():
    text = (
        "1\r\n00:00:01,000 --> 00:00:02,500\r\n<i>Bonjour</i> à <b>tous</b>,\r\n"
        '<font color="#ff0000">et bienvenue.</font>\r\n\r\n'
        "2\r\n00:01:02,5 --> 01:00:00.000 X1:10 X2:20 Y1:30 Y2:40\r\nSuite\r\n"
    )
    subtitles = read(("\ufeff" + text).encode("utf-8"))  # a UTF-8 BOM and CRLF line ends are accepted
    assert subtitles.cues == (
        SubtitleCue(1.0, 2.5, ("Bonjour à tous,", "et bienvenue."), 2),
        SubtitleCue(62.5, 3600.0, ("Suite",), 7),
    )
    assert subtitles.problems == ()


def test_a_malformed_timestamp_is_named_by_its_line_and_its_text_is_not_burned_into_another_cue():
    text = GOOD_SRT + "\n3\n00:01:02,5OO --> 00:01:04,000\nGarbage\n\n4\n00:01:05,000 --> 00:01:06,000\nLast\n"
    assert messages(text) == ["reel.fr.srt:10: '00:01:02,5OO --> 00:01:04,000' is not a timestamp line"]
    assert texts(read(text)) == [(1.0, 2.5, ("Hello",)), (3.0, 4.0, ("World",)), (65.0, 66.0, ("Last",))]


@pytest.mark.parametrize(
    ("timing", "said"),
    [
        ("00:00:01;000 --> 00:00:02,000", "is not a timestamp line"),
        ("00:00:61,000 --> 00:00:62,000", "is not a timestamp line"),
        ("00:00:01,000 -> 00:00:02,000", "is not a timestamp line"),  # no '-->', but time-like
        ("00:00:01,000 --> 00:00:02,000 extra", "is not a timestamp line"),
        ("-00:00:01,000 --> 00:00:02,000", "has a negative time"),
        ("00:00:01,000 --> -00:00:02,000", "has a negative time"),
        ("00:00:02,000 --> 00:00:01,000", "does not end after it starts"),
        ("00:00:02,000 --> 00:00:02,000", "does not end after it starts"),
    ],
)
def test_bad_timings_are_refused_by_line(timing: str, said: str):
    text = f"{GOOD_SRT}\n3\n{timing}\nText\n"
    assert messages(text) == [f"reel.fr.srt:10: {timing!r} {said}"]
    assert len(read(text).cues) == 2  # the bad cue only is left out


def test_a_garbage_block_and_a_bad_number_are_named():
    text = "1\n00:00:01,000 --> 00:00:02,000\nHello\n\nstray text\n\nx2\n00:00:03,000 --> 00:00:04,000\nWorld\n\n7\nno timing\n"
    assert messages(text) == [
        "reel.fr.srt:5: 'stray text' is not part of a cue: no timestamp line comes before it",
        "reel.fr.srt:7: 'x2' is not a cue number",
        "reel.fr.srt:12: 'no timing' is not a timestamp line",
    ]


def test_a_missing_blank_line_between_cues_still_reads_both():
    text = "1\n00:00:01,000 --> 00:00:02,000\nHello\n2\n00:00:03,000 --> 00:00:04,000\nWorld\n"
    subtitles = read(text)
    assert texts(subtitles) == [(1.0, 2.0, ("Hello",)), (3.0, 4.0, ("World",))]
    assert subtitles.problems == ()


def test_overlapping_cues_are_allowed_and_sorted():
    text = (
        "1\n00:00:05,000 --> 00:00:07,000\nLater\n\n"
        "2\n00:00:01,000 --> 00:00:06,000\nLong\n\n"
        "3\n00:00:01,000 --> 00:00:02,000\nShort\n"
    )
    subtitles = read(text)
    assert [c.lines[0] for c in subtitles.cues] == ["Short", "Long", "Later"]
    assert subtitles.problems == ()


def test_srt_override_tags_are_stripped_and_positions_ignored_with_one_warning():
    text = "1\n00:00:01,000 --> 00:00:02,000\n{\\an8}Top\n\n2\n00:00:03,000 --> 00:00:04,000\n{\\an8}Again {note}\n"
    subtitles = read(text)
    assert texts(subtitles) == [(1.0, 2.0, ("Top",)), (3.0, 4.0, ("Again {note}",))]  # not a tag block: text
    assert messages(text) == [
        "reel.fr.srt:3: positions ({\\pos}, {\\move}, {\\an}) are ignored: the preset places the subtitles,"
        " here and on 1 more line"
    ]


def test_control_characters_are_named():
    text = "1\n00:00:01,000 --> 00:00:02,000\nBell\x07 and \x1b[31mred\n"
    assert messages(text) == ["reel.fr.srt:3: 'Bell\\x07 and \\x1b[31mred' holds control characters"]
    assert read(text).cues == ()


# Limits


def test_characters_per_cue_limit():
    text = f"1\n00:00:01,000 --> 00:00:02,000\n{'a' * 600}\n{'b' * (MAX_CHARS_PER_CUE - 599)}\n"
    assert messages(text) == [
        f"reel.fr.srt:2: a cue of {MAX_CHARS_PER_CUE + 1:,} characters: more than 1,000, the most a cue may hold"
    ]
    at_limit = f"1\n00:00:01,000 --> 00:00:02,000\n{'a' * MAX_CHARS_PER_CUE}\n"
    assert read(at_limit).problems == () and len(read(at_limit).cues) == 1


def test_lines_per_cue_limit():
    text = "1\n00:00:01,000 --> 00:00:02,000\n" + "line\n" * (MAX_LINES_PER_CUE + 1)
    assert messages(text) == ["reel.fr.srt:2: a cue of 11 lines: more than 10, the most a cue may have"]


def test_a_huge_line_is_refused_by_its_length_without_being_quoted():
    text = "1\n00:00:01,000 --> 00:00:02,000\n" + "x" * 3_000_000 + "\n"
    assert messages(text) == ["reel.fr.srt:3: a line of 3,000,000 characters: more than 10,000, the most a line may hold"]
    assert MAX_LINE_CHARS == 10_000


def test_cues_per_file_limit():
    many = "".join(f"{i + 1}\n00:00:{i % 60:02d},000 --> 00:00:{i % 60:02d},500\nx\n\n" for i in range(MAX_CUES + 1))
    subtitles = read(many)
    assert subtitles.cues == ()
    assert messages(many) == [f"reel.fr.srt:{4 * MAX_CUES + 2}: more than 20,000 cues, the most a subtitle file may hold"]
    assert len(read(many[: many.index(f"\n{MAX_CUES + 1}\n")]).cues) == MAX_CUES


def test_lines_per_file_limit_is_checked_before_any_line_is_read():
    assert reader.MAX_FILE_LINES == MAX_CUES * (MAX_LINES_PER_CUE + 3)
    refusal = ["reel.fr.srt: more than 260,000 lines, the most a subtitle file may have"]
    assert messages("\n" * (reader.MAX_FILE_LINES + 1)) == refusal
    assert messages("\r" * (reader.MAX_FILE_LINES + 1)) == refusal  # old Mac line ends
    assert messages("\n" * reader.MAX_FILE_LINES) == []  # blank lines, no cue: refused by check() as empty


def test_empty_cues_count_towards_the_cue_limit():
    text = "WEBVTT\n\n" + "00:00:01.000 --> 00:00:02.000\n" * (MAX_CUES + 1)  # one block of timings, no text
    assert messages(text, "vtt", "a.vtt") == [f"a.vtt:{MAX_CUES + 3}: more than 20,000 cues, the most a subtitle file may hold"]


def test_file_size_limit():
    assert messages(GOOD_SRT.encode() + b" " * (MAX_FILE_BYTES - len(GOOD_SRT) + 1)) == [
        "reel.fr.srt: the file is larger than 20,000,000 bytes, the most a subtitle file may be"
    ]


def test_a_file_of_garbage_is_refused_after_the_error_limit():
    text = "".join(f"garbage {i}\n\n" for i in range(MAX_ERRORS + 5))
    assert messages(text) == [f"reel.fr.srt:{2 * MAX_ERRORS + 1}: more than 100 malformed lines: is this a subtitle file?"]


def test_text_that_is_not_utf8_is_refused_in_one_line():
    latin1 = "1\n00:00:01,000 --> 00:00:02,000\nCafé\n".encode("latin-1")
    assert messages(latin1) == ["reel.fr.srt:3: not UTF-8 text (byte 0xe9): save the file as UTF-8"]
    utf16 = "1\n00:00:01,000 --> 00:00:02,000\nHi\n".encode("utf-16")
    assert messages(utf16) == ["reel.fr.srt:1: not UTF-8 text (byte 0xff): save the file as UTF-8"]


# check(): what `burn` does with a reading


def test_check_refuses_malformed_cues_unless_lenient():
    text = GOOD_SRT + "\n3\n00:01:02,5OO --> 00:01:04,000\nGarbage\n\n4\n-00:00:01,000 --> 00:00:02,000\nNeg\n"
    with pytest.raises(SubtitleFileError) as refused:
        reader.check(read(text), "reel.fr.srt")
    assert str(refused.value).splitlines() == [
        "reel.fr.srt:10: '00:01:02,5OO --> 00:01:04,000' is not a timestamp line",
        "reel.fr.srt:14: '-00:00:01,000 --> 00:00:02,000' has a negative time",
        "(correct the lines named, or give --lenient to skip them)",
    ]
    assert refused.value.problems == ((10, "not-timestamp"), (14, "negative-time"))
    assert refused.value.exit_code == 2
    cues, warnings = reader.check(read(text), "reel.fr.srt", lenient=True)
    assert [c.lines for c in cues] == [("Hello",), ("World",)]
    assert warnings == (
        "reel.fr.srt:10: '00:01:02,5OO --> 00:01:04,000' is not a timestamp line (skipped)",
        "reel.fr.srt:14: '-00:00:01,000 --> 00:00:02,000' has a negative time (skipped)",
    )


def test_check_refuses_a_file_over_a_limit_even_when_lenient():
    with pytest.raises(SubtitleFileError, match=r"^reel\.fr\.srt:3: not UTF-8 text \(byte 0xe9\)") as refused:
        reader.check(read("1\n00:00:01,000 --> 00:00:02,000\nCafé\n".encode("latin-1")), "reel.fr.srt", lenient=True)
    assert refused.value.problems == ((3, "not-utf8"),)


def test_check_refuses_a_file_without_cues():
    with pytest.raises(SubtitleFileError, match=r"^reel\.fr\.srt holds no subtitles$"):
        reader.check(read("1\n00:00:01,000 --> 00:00:02,000\n\n"), "reel.fr.srt", lenient=True)
    with pytest.raises(SubtitleFileError, match="is not a timestamp line"):  # strict: the lines first
        reader.check(read("1\nbad\nText\n"), "reel.fr.srt")
    drawing_only = "[Events]\nDialogue: 0,0:00:01.00,0:00:02.00,D,,0,0,0,,{\\p1}m 0 0 l 9 9\n"
    with pytest.raises(SubtitleFileError) as refused:
        reader.check(read(drawing_only, "ass"), "d.ass")
    assert str(refused.value).splitlines() == ["d.ass holds no subtitles", "d.ass:2: drawings ({\\p1}) are not text: ignored"]


def test_only_twenty_problems_are_listed():
    text = "".join(f"{i}\n00:00:0{i % 10},000 --> bad\nx\n\n" for i in range(30))
    with pytest.raises(SubtitleFileError) as refused:
        reader.check(read(text), "r.srt")
    lines = str(refused.value).splitlines()
    assert len(lines) == 22 and lines[-2] == "r.srt: and 10 more"
    assert len(refused.value.problems) == 30


# WebVTT


VTT = """WEBVTT - a title
Kind: captions
Language: fr

NOTE a comment
over two lines

STYLE
::cue { color: red }

REGION
id:fred width:40%

intro
00:01.000 --> 00:02.500 align:start position:10% line:0
<v Roger>Hello &amp; <c.loud.big>welcome</c></v>
<i>there</i> <00:00:02.000>now

00:00:03.000 --> 01:00:04.000
<ruby>漢<rt>kan</rt></ruby> &lt;b&gt;
"""


def test_webvtt_header_blocks_identifiers_settings_and_tags_are_understood():
    subtitles = read(VTT, "vtt")
    assert subtitles.cues == (
        SubtitleCue(1.0, 2.5, ("Hello & welcome", "there now"), 15),
        SubtitleCue(3.0, 3604.0, ("漢kan <b>",), 19),
    )
    assert subtitles.problems == ()


def test_webvtt_errors_are_named_by_line():
    text = "WEBVTT\n\n00:01.000 --> 00:02.000 bogus\nx\n\n00:03.000 --> 00:02.000\ny\n\nid\n00:04.000 --> 00:05.000\nz\n"
    assert messages(text, "vtt", "a.vtt") == [
        "a.vtt:3: '00:01.000 --> 00:02.000 bogus' is not a timestamp line",
        "a.vtt:6: '00:03.000 --> 00:02.000' does not end after it starts",
    ]
    assert texts(read(text, "vtt")) == [(4.0, 5.0, ("z",))]


def test_webvtt_needs_its_header():
    assert messages("1\n00:00:01.000 --> 00:00:02.000\nHi\n", "vtt", "a.vtt") == [
        "a.vtt:1: '1' is not a WebVTT header: the file must start with 'WEBVTT'"
    ]


def test_a_webvtt_cue_right_under_the_header_is_read():
    assert texts(read("WEBVTT\n00:00:01.000 --> 00:00:02.000\nHi\n", "vtt")) == [(1.0, 2.0, ("Hi",))]


# ASS / SSA


ASS = r"""[Script Info]
Title: x
ScriptType: v4.00+

[V4+ Styles]
Format: Name, Fontname, Fontsize
Style: Default,Arial,20

[Fonts]
fontname: a_0.ttf
M)&*@#$!%^+=-_

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,{\i1\c&H00FF00&}Hello{\i0}\Nworld\hnow\ntoo
Dialogue: 0,0:00:03.00,0:00:04.00,Default,,0,0,0,,{\p1}m 0 0 l 100 0 100 100 0 100{\p0}Shape
Comment: 0,0:00:05.00,0:00:06.00,Default,,0,0,0,,a note, not shown
Dialogue: 0,0:00:05.00,0:00:06.50,Default,,0,0,0,,{\pos(10,10)\fad(100,100)\k20}Ka{\kf30}ra{\t(\fs20)\clip(0,0,1,1)}
Dialogue: 0,0:00:07.00,0:00:08.00,Default,,0,0,0,Banner;5,{\p2}m 0 0 l 5 5{\p0}
Dialogue: 0,0:00:09.00,0:00:10.00,Default,,0,0,0,,{\move(0,0,5,5)\an8}Moved, {a comment}with commas
Picture: 0,0:00:09.00,0:00:10.00,Default,,0,0,0,,pic.png
"""


def test_ass_overrides_are_stripped_and_each_ignored_feature_warned_once():
    subtitles = read(ASS, "ass")
    assert texts(subtitles) == [
        (1.0, 2.0, ("Hello", "world now", "too")),
        (3.0, 4.0, ("Shape",)),  # the drawing's commands are not text
        (5.0, 6.5, ("Kara",)),
        (9.0, 10.0, ("Moved, with commas",)),
    ]
    assert messages(ASS, "ass", "r.ass") == [
        "r.ass:9: embedded fonts ([Fonts]) are ignored: the preset's font is used",
        "r.ass:16: drawings ({\\p1}) are not text: ignored, here and on 1 more line",
        "r.ass:18: positions ({\\pos}, {\\move}, {\\an}) are ignored: the preset places the subtitles, here and on 1 more line",
        "r.ass:18: clips ({\\clip}) are ignored",
        "r.ass:18: fades ({\\fad}) are ignored",
        "r.ass:18: karaoke timings ({\\k}) are ignored",
        "r.ass:18: animations ({\\t}) are ignored",
        "r.ass:19: effects (Banner, Scroll) are ignored",
        "r.ass:21: Picture, Sound, Movie and Command events are ignored",
    ]
    assert read(ASS, "ass").of(reader.ERROR) == ()  # warnings only: the file is burned


def test_drawing_mode_with_thousands_of_digits_and_srt_drawings():
    ones, zeros = "1" * 4400, "0" * 4400  # int() of either would raise (Python's limit: 4,300 digits)
    line = f"Dialogue: 0,0:00:01.00,0:00:02.00,D,,0,0,0,,{{\\p{ones}}}m 0 0 l 1 1{{\\p{zeros}}}Text"
    assert texts(read(f"[Events]\n{line}\n", "ass")) == [(1.0, 2.0, ("Text",))]
    srt = "1\n00:00:01,000 --> 00:00:02,000\n{\\p1}m 0 0 l 100 100{\\p0}Text\n"
    assert texts(read(srt)) == [(1.0, 2.0, ("Text",))]
    assert messages(srt) == ["reel.fr.srt:3: drawings ({\\p1}) are not text: ignored"]


def test_ssa_v4_and_a_graphics_section():
    ssa = (
        "[Script Info]\nScriptType: v4.00\n\n[Events]\n"
        "Format: Marked, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
        "Dialogue: Marked=0,0:00:01.50,0:00:02.00,*Default,NTP,0000,0000,0000,,Old style\n\n"
        "[Graphics]\nfilename: logo.png\n!!garbage-looking data is not read!!\n"
    )
    assert texts(read(ssa, "ass")) == [(1.5, 2.0, ("Old style",))]
    assert messages(ssa, "ass", "o.ssa") == ["o.ssa:8: embedded pictures ([Graphics]) are ignored"]


def test_ass_errors_are_named_by_line():
    text = (
        "stray\n[Script Info]\nno colon here\n[Events]\n"
        "Format: Start, End, Text\n"
        "Dialogue: 0:00:07.00,0:00:06.00,back\n"
        "Dialogue: 0:00:0x.00,0:00:08.00,bad\n"
        "Dialogue: 0:00:07.00\n"
        "garbage\n"
        "Dialogue: -0:00:01.00,0:00:02.00,neg\n"
        "Format: Layer, Text, Start\n"
        "Dialogue: 0:00:01.00,0:00:02.00,good, with a comma\n"
    )
    assert messages(text, "ass", "r.ass") == [
        "r.ass:1: 'stray' comes before any [section]",
        "r.ass:3: 'no colon here' is not a 'Key: value' line",
        "r.ass:6: 'Dialogue: 0:00:07.00,0:00:06.00,back' does not end after it starts",
        "r.ass:7: '0:00:0x.00' is not a time",
        "r.ass:8: 'Dialogue: 0:00:07.00' is not a Dialogue line of 3 fields",
        "r.ass:9: 'garbage' is not a Dialogue, Comment or Format line",
        "r.ass:10: 'Dialogue: -0:00:01.00,0:00:02.00,neg' has a negative time",
        "r.ass:11: 'Format: Layer, Text, Start' is not a Format line with Start, End and Text (Text last)",
    ]
    assert texts(read(text, "ass")) == [(1.0, 2.0, ("good, with a comma",))]


# Fuzz: whatever the bytes, the reader returns cues and problems, and check raises UsageError or returns


def _fuzz_file(rng: random.Random, fmt: str) -> bytes:
    def time(seconds: float) -> str:
        sign = "-" if seconds < 0 else ""
        s = abs(seconds)
        if fmt == "ass":
            return f"{sign}{int(s // 3600)}:{int(s % 3600 // 60):02d}:{s % 60:05.2f}"
        return f"{sign}{int(s // 3600):02d}:{int(s % 3600 // 60):02d}:{s % 60:06.3f}".replace(".", "," if fmt == "srt" else ".")

    def cue(i: int) -> str:
        start = rng.uniform(-5, 0) if rng.random() < 0.1 else rng.uniform(0, 4000)
        end = start + rng.uniform(-2, 8)
        body = rng.choice(["Hello", "<i>x</i>", "{\\p1}m 0 0 l 9 9{\\p0}y", "a\\Nb", "é" * rng.randint(0, 1200), "", "-->"])
        if fmt == "ass":
            return f"Dialogue: 0,{time(start)},{time(end)},Default,,0,0,0,,{body}\n"
        return f"{i}\n{time(start)} --> {time(end)}\n{body}\n\n"

    head = {
        "srt": "",
        "vtt": "WEBVTT\n\n",
        "ass": "[Script Info]\n\n[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n",
    }
    parts: list[bytes] = [head[fmt].encode()] if rng.random() < 0.9 else []
    random_bytes = rng.random() < 0.2  # else the file is nearly always refused as not UTF-8
    for i in range(rng.randint(0, 40)):
        roll = rng.random()
        if roll < 0.6:
            parts.append(cue(i).encode())
        elif roll < 0.7:
            parts.append(bytes(rng.randrange(256 if random_bytes else 128) for _ in range(rng.randint(1, 60))))
        elif roll < 0.8:
            parts.append(("".join(rng.choice("0123456789:,.-> \n{}\\<>abcp") for _ in range(rng.randint(1, 80)))).encode())
        elif roll < 0.85:
            parts.append(rng.choice(["x", "{", "<", "\\p1"]).encode() * rng.randint(1, 40_000))
        elif roll < 0.9:
            parts.append(rng.choice(["\n\n", "\r", "\r\n", "\ufeff", "\x00", "\u2028"]).encode())
        else:
            parts.append(rng.choice(["NOTE x\n\n", "[Fonts]\n", "[Events]\n", "Format: Text\n", "STYLE\n", "99\n"]).encode())
    data = b"".join(parts)
    if rng.random() < 0.05:
        data = data[: rng.randint(0, len(data))]  # cut anywhere, inside a UTF-8 character too
    return data


@pytest.mark.parametrize("fmt", ["srt", "vtt", "ass"])
def test_fuzz_the_reader_only_returns_or_refuses(fmt: str):
    rng = random.Random(f"subtitles-{fmt}")
    outcomes = {"cues": 0, "refused": 0}
    for _ in range(500 // 3 + 1):
        data = _fuzz_file(rng, fmt)
        subtitles = reader.read(data, fmt)
        for c in subtitles.cues:
            assert 0 <= c.start < c.end and 1 <= len(c.lines) <= MAX_LINES_PER_CUE
            assert sum(map(len, c.lines)) <= MAX_CHARS_PER_CUE and all(line.strip() == line and line for line in c.lines)
            if fmt != "vtt":  # WebVTT has no override tags: there they are text (escaped when burned)
                assert "\\p1" not in "".join(c.lines) and "m 0 0 l 9 9" not in "".join(c.lines)
        assert [(c.start, c.end) for c in subtitles.cues] == sorted((c.start, c.end) for c in subtitles.cues)
        assert all(p.line >= 0 and reader.message(p, "f") for p in subtitles.problems)
        for lenient in (False, True):
            try:
                cues, _ = reader.check(subtitles, "f", lenient)
            except UsageError as exc:
                assert str(exc)
                outcomes["refused"] += 1
            else:
                assert cues == subtitles.cues
                outcomes["cues"] += 1
    assert outcomes["cues"] > 20 and outcomes["refused"] > 20  # both paths were taken

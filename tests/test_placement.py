"""Burned subtitles placed clear of faces and of text already in the picture (`[style] avoid`), shot by shot:
the rules on boxes (pure), the ASS they make, and real footage: a face low in the picture sends its shot's cues
to the top, a timecode burned in at the bottom lifts them above it, a clip with neither keeps the preset's
place, `--position top` forces the top."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import click
import numpy as np
import pysubs2
import pytest

from subtitler import placement
from subtitler.adapters import scene
from subtitler.adapters.scene import Box, Shot
from subtitler.burning import with_font
from subtitler.cli.burn import ProbeVideo
from subtitler.cli.common import job_options, overrides
from subtitler.cli.preview import draw
from subtitler.errors import PresetError
from subtitler.formats import FORMATS, Canvas, Content, Look
from subtitler.formats.ass import Placement, to_ass
from subtitler.job import Job
from subtitler.model import Cue
from subtitler.options import Options, load_options
from subtitler.review import review
from subtitler.stages.edited import EditedSubtitles

from .conftest import VIDEO, ffmpeg, frame_at, invoke, needs

CANVAS = Canvas(640, 360)
FILM = VIDEO / "tears_of_steel_10s_noaudio.mp4"
HAS_CASCADES = scene.cascade_folder() is not None
CASCADES = "OpenCV's Haar face cascades (Debian: apt-get install opencv-data)"
# The film clip: a robot (to 0.9 s), a man on a bridge (to 2.7 s), a man in a lab whose face fills the top right
# (to 7.7 s), then a robot that turns into a woman.
SUBS = """1
00:00:01,000 --> 00:00:02,400
A man on a bridge,
a robot behind him.

2
00:00:03,000 --> 00:00:05,000
In the lab the face sits
low in the picture.

3
00:00:05,200 --> 00:00:07,400
So the subtitles go
somewhere else.
"""


def options(name: str = "youtube", **style: object) -> Options:
    """A preset's options, encoding fast (the tests look at where the text is, not at the encode)."""
    loaded = load_options(name)
    return dataclasses.replace(
        loaded,
        style=dataclasses.replace(loaded.style, **style),
        encode=dataclasses.replace(loaded.encode, x264_preset="ultrafast"),
    )


def cue(start: float, end: float, *lines: str) -> Cue:
    return Cue(start, end, lines)


# The rules, on boxes


def test_a_face_under_the_bottom_place_sends_the_shot_s_cues_to_the_top():
    style = options().style
    face = Box(0.4, 0.55, 0.3, 0.42)
    shots = [Shot(0.0, 2.0), Shot(2.0, 6.0, faces=(face,))]
    cues = [cue(0.5, 1.5, "Nothing here."), cue(2.5, 3.5, "A face", "under me."), cue(4.0, 5.0, "And me.")]
    found = placement.layout(shots, cues, style, options().cues, CANVAS)
    assert found.places == (None, Placement("top", style.margin_vertical), Placement("top", style.margin_vertical))
    (move,) = found.moves
    assert (move.start, move.end, move.source, move.target) == (2.0, 6.0, "bottom", "top")
    assert (move.why, move.cues) == (("faces",), (2, 3))
    assert move.as_dict() == {"start": 2.0, "end": 6.0, "from": "bottom", "to": "top", "margin": style.margin_vertical,
                              "why": ["faces"], "cues": [2, 3]}  # fmt: skip


def test_a_line_of_text_at_the_bottom_lifts_the_cues_just_above_it():
    style = options().style
    timecode = Box(0.4, 0.92, 0.2, 0.05)
    found = placement.layout([Shot(0.0, 5.0, text=(timecode,))], [cue(1, 2, "Over a timecode")], style, options().cues, CANVAS)
    (place,) = found.places
    assert place is not None and place.alignment == "bottom"
    assert place.margin == pytest.approx(1 - 0.92 + placement.CLEARANCE)
    assert [(m.target, m.why) for m in found.moves] == [("raised", ("text",))]
    width, height = placement.cue_size(cue(1, 2, "Over a timecode"), style, options().cues, CANVAS)
    assert placement.Spot("raised", "bottom", place.margin).box(width, height).overlap(timecode) == 0


def test_nothing_in_the_way_keeps_the_preset_s_place():
    style = options().style
    high_face = Box(0.45, 0.02, 0.45, 0.6)  # the film's man in the lab: well above the subtitles
    found = placement.layout([Shot(0, 9, faces=(high_face,))], [cue(1, 3, "Fine", "here")], style, options().cues, CANVAS)
    assert found == placement.Layout((None,), (), 1)


def test_a_cue_across_a_cut_is_clear_in_both_shots():
    style = options().style
    shots = [Shot(0, 2, text=(Box(0.3, 0.92, 0.4, 0.05),)), Shot(2, 4, faces=(Box(0.35, 0.6, 0.3, 0.35),))]
    found = placement.layout(shots, [cue(1.5, 2.5, "Across", "the cut")], style, options().cues, CANVAS)
    # raised above the timecode it would still cover the face of the next shot: the top is clear in both
    assert found.places == (Placement("top", style.margin_vertical),)
    assert [(m.start, m.end, m.why) for m in found.moves] == [(0, 4, ("text", "faces"))]


def test_every_cue_of_a_shot_gets_the_place_its_largest_cue_fits():
    style = options().style
    chin = Box(0.2, 0.85, 0.12, 0.1)  # off to the left: only a wide cue reaches it
    cues = [cue(0.5, 1, "Short"), cue(1.5, 3, "A much longer line that reaches", "all the way out to the left")]
    found = placement.layout([Shot(0, 4, faces=(chin,))], cues, style, options().cues, CANVAS)
    assert found.places[0] == found.places[1] is not None


def test_middle_captions_go_to_an_edge_with_a_margin():
    style = options("punch", avoid=("faces",)).style
    face = Box(0.3, 0.3, 0.4, 0.4)
    found = placement.layout([Shot(0, 3, faces=(face,))], [cue(0, 1, "HEY")], style, options("punch").cues, CANVAS)
    assert found.places == (Placement("bottom", placement.EDGE_MARGIN),)


def test_when_every_place_covers_something_the_least_is_covered():
    style = options().style
    everywhere = tuple(Box(0.0, y, 1.0, 0.3) for y in (0.0, 0.35, 0.7))
    found = placement.layout([Shot(0, 3, text=everywhere)], [cue(0, 1, "Nowhere to go")], style, options().cues, CANVAS)
    assert len(found.places) == 1  # a place is still chosen, and recorded if it is not the preset's


# The ASS


def test_moved_cues_carry_their_place_in_the_ass_and_the_others_are_unchanged():
    opts = options(highlight="colour")  # word by word: every event of a moved cue is moved
    cues = (
        Cue(0.0, 1.0, ("one two",), ()),
        Cue(2.0, 3.0, ("three four",), ()),
        Cue(4.0, 5.0, ("five",), ()),
    )
    plain = to_ass(cues, opts.style, opts.cues, CANVAS)
    placed = to_ass(cues, opts.style, opts.cues, CANVAS, (None, Placement("top", 0.07), Placement("bottom", 0.2)))
    events = pysubs2.SSAFile.from_string(placed).events
    assert [e.text.startswith(r"{\an8}") for e in events] == [False, True, False]
    assert [e.marginv for e in events] == [0, 0, round(360 * 0.2)]
    assert plain == FORMATS["ass"].write(Content(cues=cues), Look(opts.style, opts.cues, CANVAS))
    assert to_ass(cues, opts.style, opts.cues, CANVAS, (None, None, None)) == plain


# The preset key and the flag


def test_avoid_is_a_list_out_of_faces_and_text(tmp_path: Path):
    preset = tmp_path / "p.toml"
    preset.write_text('[style]\navoid = ["text", "faces", "text"]\n', encoding="utf-8")
    assert load_options(str(preset)).style.avoid == ("text", "faces")
    for wrong in ('["hands"]', '"faces"', "[1]"):
        preset.write_text(f"[style]\navoid = {wrong}\n", encoding="utf-8")
        with pytest.raises(PresetError) as refused:
            load_options(str(preset))
        assert str(refused.value).startswith(f"[style] avoid = {wrong.replace(chr(39), chr(34))}: must be a list out of faces")
        assert refused.value.valid == ("faces", "text")
    assert {name: load_options(name).style.avoid for name in ("youtube", "linkedin", "accessibility")} == dict.fromkeys(
        ("youtube", "linkedin", "accessibility"), ("faces", "text")
    )
    assert all(load_options(name).style.avoid == () for name in ("default", "tiktok", "instagram-reels", "punch", "broadcast"))


def _flags(**given: object) -> dict[str, object]:
    command = click.command()(job_options(lambda **flags: None))
    return {**{param.name: None for param in command.params if param.name}, **given}


def test_position_sets_the_place_and_turns_avoiding_off():
    assert overrides(_flags(position="top"))["style"] == {"alignment": "top", "avoid": ()}
    assert overrides(_flags())["style"] == {"alignment": None, "avoid": None}  # not given: the preset decides
    opts = load_options("youtube", overrides(_flags(position="middle")))
    assert (opts.style.alignment, opts.style.avoid) == ("middle", ())
    code, output = invoke("run", "--help")
    assert code == 0 and "--position [bottom|top|middle]" in output


def test_the_review_report_lists_the_moves():
    move = {"language": "en", "start": 2.0, "end": 6.0, "from": "bottom", "to": "top", "margin": 0.07,
            "why": ["faces"], "cues": [2]}  # fmt: skip
    assert review({"en": ()}, options().cues, 0.5, moved=[move])["moved"] == [move]
    assert review({"en": ()}, options().cues, 0.5)["moved"] == []


# The detectors, on real frames


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory, shared: Path) -> dict[str, Path]:
    """The film clip with the man's face low in the picture (its top 2/3 under a band of black), the film clip
    with a timecode burned in at the bottom (as a camera or an editor leaves it), and the subtitles."""
    folder = tmp_path_factory.mktemp("placement")
    low, timecode = folder / "low.mp4", folder / "timecode.mp4"
    encode = ("-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv420p")
    ffmpeg("-i", str(FILM), "-vf", "crop=640:240:0:0,pad=640:360:0:120", *encode, str(low))
    stamp = ("drawtext=font='DejaVu Sans':timecode='00\\:00\\:00\\:00':rate=24:fontsize=20:fontcolor=white"
             ":x=(w-tw)/2:y=h-th-14:box=1:boxcolor=black@0.6:boxborderw=4")  # fmt: skip
    ffmpeg("-i", str(FILM), "-vf", stamp, *encode, str(timecode))
    subs = folder / "clip.en.srt"
    subs.write_text(SUBS, encoding="utf-8")
    return {"low": low, "timecode": timecode, "subs": subs}


def test_the_text_detector_finds_a_burned_timecode_and_nothing_in_the_film(clips: dict[str, Path]):
    for seconds in (0.5, 1.5, 4.0, 6.0, 9.0):
        gray = frame_at(clips["timecode"], seconds).mean(axis=2).astype(np.uint8)
        lines = scene.text_lines(gray)
        assert [(round(b.y, 2), round(b.x + b.width / 2, 1)) for b in lines] == [(0.92, 0.5)], seconds
        assert scene.text_lines(frame_at(FILM, seconds).mean(axis=2).astype(np.uint8)) == [], seconds


@needs(HAS_CASCADES, CASCADES)
def test_the_face_detector_finds_the_man_in_the_lab(shared: Path):
    for seconds in (4.0, 5.5, 6.0):  # one frame alone may also give a stray box: a shot keeps what samples agree on
        found = scene.faces(frame_at(FILM, seconds).mean(axis=2).astype(np.uint8))
        face = max(found, key=lambda box: box.width * box.height)
        assert 0.45 < face.x + face.width / 2 < 0.85 and face.y < 0.15 and face.height > 0.4, seconds  # his, top right


def _placed(video: Path, subs: Path, opts: Options, folder: Path) -> tuple[Job, placement.Layout, list[pysubs2.SSAEvent]]:
    """What the burn stage does before it encodes: the font, the placement, the ASS libass burns."""
    job = Job(video, folder, video.stem, dataclasses.replace(opts, output=dataclasses.replace(opts.output, burn="en")), None)
    job.work.mkdir(parents=True, exist_ok=True)
    job = with_font(EditedSubtitles(subs, "en").run(ProbeVideo().run(job)), "en")
    job, found = placement.plan(job, "en")
    ass = placement.burn_subtitles(job, "en", found)
    return job, found, list(pysubs2.SSAFile.load(str(ass)).events)


def picture(png: Path) -> np.ndarray:
    """A PNG as RGB (int16, to subtract)."""
    import cv2

    return cv2.cvtColor(cv2.imread(str(png)), cv2.COLOR_BGR2RGB).astype(np.int16)


def text_in(frame: np.ndarray, under: np.ndarray, top: float, bottom: float) -> int:
    """How many pixels of a band of rows (shares of the height) the burned text changed."""
    rows = slice(round(frame.shape[0] * top), round(frame.shape[0] * bottom))
    return int((np.abs(frame[rows] - under[rows]).max(axis=2) > 80).sum())


@pytest.mark.slow
@needs(HAS_CASCADES, CASCADES)
def test_a_face_low_in_the_film_sends_the_subtitles_to_the_top(clips: dict[str, Path], tmp_path: Path):
    preset = tmp_path / "fast.toml"
    preset.write_text('extends = "youtube"\n[encode]\nx264_preset = "ultrafast"\n', encoding="utf-8")
    code, output = invoke("burn", str(clips["low"]), "--subs", str(clips["subs"]), "--preset", str(preset), "-o", str(tmp_path))
    assert code == 0, output
    folder = tmp_path / "low"
    record = json.loads((folder / "job.json").read_text(encoding="utf-8"))
    (move,) = record["placement"]["en"]["moves"]
    assert (move["from"], move["to"], move["why"], move["cues"]) == ("bottom", "top", ["faces"], [2, 3])
    assert 2.6 <= move["start"] <= 2.8 and 7.6 <= move["end"] <= 7.8  # the lab shot
    assert (folder / "low.scenes.json").is_file() and "scenes" in record["outputs"]
    burned, source = folder / "low.en.burned.mp4", clips["low"]
    lab, bridge = frame_at(burned, 4.0), frame_at(burned, 1.5)
    assert text_in(lab, frame_at(source, 4.0), 0.03, 0.3) > 300 and text_in(lab, frame_at(source, 4.0), 0.7, 1) < 30
    assert text_in(bridge, frame_at(source, 1.5), 0.7, 1) > 300 and text_in(bridge, frame_at(source, 1.5), 0.03, 0.3) < 30
    # the ASS events the burn drew from (the analysis kept from the burn)
    _, found, events = _placed(source, clips["subs"], load_options(str(preset)), folder)
    assert [e.text.startswith(r"{\an8}") for e in events] == [False, True, True]
    assert found.moves[0].cues == (2, 3)


@pytest.mark.slow
def test_a_timecode_burned_in_at_the_bottom_lifts_the_subtitles_above_it(clips: dict[str, Path], tmp_path: Path):
    opts = options(avoid=("text",))
    job, found, events = _placed(clips["timecode"], clips["subs"], opts, tmp_path)
    assert [m.why for m in found.moves] and all(m.why == ("text",) and m.target == "raised" for m in found.moves)
    assert all(e.marginv == round(360 * found.moves[0].margin) and not e.text.startswith("{") for e in events)
    assert opts.style.margin_vertical < found.moves[0].margin < placement.SHIFT_LIMIT
    png = tmp_path / "frame.png"
    draw(clips["timecode"], 4.0, png, opts, clips["subs"], "en", False, placement.scenes_path(job))
    shown = picture(png)
    under = frame_at(clips["timecode"], 4.0)
    assert text_in(shown, under, 0.915, 0.97) < 30  # the timecode is not covered...
    assert text_in(shown, under, 0.7, 0.9) > 300  # ...the subtitles are just above it


@pytest.mark.slow
@needs(HAS_CASCADES, CASCADES)
def test_a_clip_with_neither_keeps_the_preset_s_place(clips: dict[str, Path], tmp_path: Path):
    opts = options()
    job, found, events = _placed(FILM, clips["subs"], opts, tmp_path)
    assert found.moves == () and found.shots >= 3
    assert all(e.marginv == 0 and not e.text.startswith("{") for e in events)
    png = tmp_path / "frame.png"
    draw(FILM, 4.0, png, opts, clips["subs"], "en", False, placement.scenes_path(job))
    assert text_in(picture(png), frame_at(FILM, 4.0), 0.7, 1) > 300


@pytest.mark.slow
def test_position_top_forces_the_top_and_analyses_nothing(clips: dict[str, Path], tmp_path: Path, monkeypatch):
    opts = load_options("youtube", overrides(_flags(position="top")))
    monkeypatch.setattr(scene, "analyse", lambda *a, **k: pytest.fail("--position analyses nothing"))
    job, found, events = _placed(clips["low"], clips["subs"], opts, tmp_path)
    assert found == placement.Layout() and not placement.scenes_path(job).exists()
    assert all(e.marginv == 0 and not e.text.startswith("{") for e in events)
    png = tmp_path / "frame.png"
    draw(clips["low"], 1.5, png, opts, clips["subs"], "en", False)
    shown, under = picture(png), frame_at(clips["low"], 1.5)
    assert text_in(shown, under, 0.03, 0.3) > 300 and text_in(shown, under, 0.7, 1) < 30

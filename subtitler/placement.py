"""Where the burned subtitles go, shot by shot: clear of the faces and the text already in the picture.

With `[style] avoid = ["faces", "text"]`, the burn path (the burn stage and the enhance pass alike) has the
video analysed once (`adapters.scene`: its shots, and the faces and lines of text each shot shows), kept in
`<stem>.scenes.json` for later runs and previews. Then, for each shot that has subtitles, the box the
preset's position would give its largest cue is checked against what the shot shows; when it would cover
something, the shot's cues go to the first free place: the same edge moved clear of it (not further than
SHIFT_LIMIT from the edge), then the opposite edge, then the middle (else where the least is covered). A cue
that runs across a cut must be clear in every shot it shows in. Each move (the shot, from, to, why, which
cues) is recorded in job.json and the review report.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from subtitler.adapters import scene
from subtitler.adapters.scene import Box, Shot
from subtitler.ffmpeg_args import SUBTITLE_FILE
from subtitler.formats import Canvas
from subtitler.formats.ass import Placement, font_size_px, to_ass
from subtitler.job import Job
from subtitler.model import Cue
from subtitler.names import shown
from subtitler.options import CueOptions, StyleOptions
from subtitler.outputs import write_text
from subtitler.progress import seconds_bar
from subtitler.reuse import digest
from subtitler.subtitle_files import look_for

log = logging.getLogger(__name__)

LINE_SPACING = 1.2  # a line's height, in font sizes (libass with DejaVu Sans: about 1.16)
SHIFT_LIMIT = 0.3  # a cue moved along its edge stays within this share of the height from it
CLEARANCE = 0.025  # of the height, between a moved cue and what it avoids (a title often has a box around it)
COVERS = 0.05  # a cue covers a face or a line of text when they share this much of the smaller of their boxes
EDGE_MARGIN = 0.05  # of the height: the least margin at an edge a cue is moved to
OTHERS = {"bottom": ("top", "middle"), "top": ("bottom", "middle"), "middle": ("bottom", "top")}  # tried in order
SHIFTED = {"bottom": "raised", "top": "lowered"}  # the name of a cue moved along its edge
SCENES_VERSION = 1  # of <stem>.scenes.json


@dataclass(frozen=True)
class Spot:
    """A place for a cue: its name in the record ("bottom", "raised", "top", "lowered", "middle"), its alignment
    and vertical margin (a share of the height)."""

    name: str
    alignment: str
    margin: float

    def box(self, width: float, height: float) -> Box:
        """Where a cue of this size (shares of the picture) is drawn, horizontally centred."""
        if self.alignment == "bottom":
            top = 1 - self.margin - height
        elif self.alignment == "top":
            top = self.margin
        else:
            top = (1 - height) / 2
        return Box((1 - width) / 2, top, width, height)


@dataclass(frozen=True)
class Move:
    """The cues of a shot moved: where they would have been, where they went, and what they would have covered."""

    start: float
    end: float
    source: str  # the preset's place ("bottom")
    target: str  # "raised", "top", ...
    margin: float  # the target's vertical margin, a share of the height
    why: tuple[str, ...]  # "faces", "text"
    cues: tuple[int, ...]  # numbers from 1, in the language's order

    def as_dict(self) -> dict[str, Any]:
        row = {"start": self.start, "end": self.end, "from": self.source, "to": self.target}
        return {**row, "margin": round(self.margin, 4), "why": list(self.why), "cues": list(self.cues)}


@dataclass(frozen=True)
class Layout:
    """Where each cue of a language goes (None: where the preset puts it), and the moves made."""

    places: tuple[Placement | None, ...] = ()
    moves: tuple[Move, ...] = ()
    shots: int = 0


def cue_size(cue: Cue, style: StyleOptions, cues: CueOptions, canvas: Canvas) -> tuple[float, float]:
    """The width and height of a drawn cue, as shares of the picture (its longest line, its lines, its border)."""
    font = font_size_px(style, cues, canvas)
    border = (style.outline + style.shadow) * canvas.height  # an outline, or a box's padding, around the text
    longest = max((len(line) for line in cue.lines), default=0)
    width = (longest * style.char_width_em * font + 2 * border) / canvas.display_width
    height = (len(cue.lines) * LINE_SPACING * font + 2 * border) / canvas.height
    return min(1.0, width), min(1.0, height)


def _covered(box: Box, obstacles: Sequence[tuple[str, Box]]) -> tuple[tuple[str, ...], float]:
    """The kinds of thing the box would cover, and how much (faces count double)."""
    kinds: list[str] = []
    amount = 0.0
    for kind, obstacle in obstacles:
        hidden = box.overlap(obstacle)
        if hidden > 0 and hidden >= COVERS * min(obstacle.width * obstacle.height, box.width * box.height):
            kinds.append(kind)
            amount += hidden * (2 if kind == "faces" else 1)
    return tuple(dict.fromkeys(kinds)), amount


def _spots(home: Spot, width: float, height: float, obstacles: Sequence[tuple[str, Box]]) -> list[Spot]:
    """The places to try, in order: home, home's edge moved clear of what home covers, the opposite edge, the middle."""
    spots = [home]
    hit = [b for _, b in obstacles if home.box(width, height).overlap(b) > 0]
    if home.alignment in SHIFTED and hit:
        if home.alignment == "bottom":
            margin = 1 - min(b.y for b in hit) + CLEARANCE
        else:
            margin = max(b.y + b.height for b in hit) + CLEARANCE
        if margin <= SHIFT_LIMIT:
            spots.append(Spot(SHIFTED[home.alignment], home.alignment, round(margin, 4)))
    margin = max(home.margin, EDGE_MARGIN)  # from the middle, an edge still wants a margin
    spots += [Spot(other, other, margin) for other in OTHERS[home.alignment]]
    return spots


def choose(home: Spot, width: float, height: float, obstacles: Sequence[tuple[str, Box]]) -> tuple[Spot, tuple[str, ...]]:
    """The first place of `_spots` that covers nothing (else the one that covers least), and what home would cover."""
    spots = _spots(home, width, height, obstacles)
    covered = [_covered(spot.box(width, height), obstacles) for spot in spots]
    why = covered[0][0]
    if not why:
        return home, ()
    free = [spot for spot, (kinds, _) in zip(spots, covered, strict=True) if not kinds]
    if free:
        return free[0], why
    least = min(range(len(spots)), key=lambda k: covered[k][1])
    return spots[least], why


def _obstacles(shots: Sequence[Shot], avoid: Sequence[str]) -> list[tuple[str, Box]]:
    return [(kind, box) for shot in shots for kind in avoid for box in (shot.faces if kind == "faces" else shot.text)]


def _showing(cue: Cue, shots: Sequence[Shot]) -> list[int]:
    """The shots a cue shows in."""
    return [k for k, shot in enumerate(shots) if cue.start < shot.end and cue.end > shot.start]


def layout(shots: Sequence[Shot], cues: Sequence[Cue], style: StyleOptions, cue_options: CueOptions, canvas: Canvas) -> Layout:
    """Each cue's place and the moves, shot by shot (pure): a shot's cues share the place its largest cue fits."""
    home = Spot(style.alignment, style.alignment, style.margin_vertical)
    sizes = [cue_size(cue, style, cue_options, canvas) for cue in cues]
    showing = [_showing(cue, shots) for cue in cues]
    envelope: dict[int, tuple[float, float]] = {}  # shot -> the largest width and height of its cues
    for size, found in zip(sizes, showing, strict=True):
        for k in found:
            width, height = envelope.get(k, (0.0, 0.0))
            envelope[k] = (max(width, size[0]), max(height, size[1]))
    places: list[Placement | None] = []
    chosen: dict[tuple[int, ...], tuple[Spot, tuple[str, ...]]] = {}
    for found in showing:
        key = tuple(found)
        if key not in chosen:
            width = max((envelope[k][0] for k in key), default=0.0)
            height = max((envelope[k][1] for k in key), default=0.0)
            chosen[key] = choose(home, width, height, _obstacles([shots[k] for k in key], style.avoid))
        spot = chosen[key][0]
        places.append(None if spot == home else Placement(spot.alignment, spot.margin))
    return Layout(tuple(places), _moves(shots, showing, chosen, home), len(shots))


def _moves(
    shots: Sequence[Shot], showing: list[list[int]], chosen: dict[tuple[int, ...], tuple[Spot, tuple[str, ...]]], home: Spot
) -> tuple[Move, ...]:
    """One record per shot (or run of shots a cue joins) whose cues moved."""
    moves = []
    for key, (spot, why) in chosen.items():
        if spot == home or not key:
            continue
        numbers = tuple(number for number, found in enumerate(showing, 1) if tuple(found) == key)
        start, end = shots[key[0]].start, shots[key[-1]].end
        moves.append(Move(start, end, home.name, spot.name, spot.margin, why, numbers))
    return tuple(sorted(moves, key=lambda move: (move.start, move.cues)))


# The analysis, kept between runs.


def scenes_path(job: Job) -> Path:
    return job.output(f"{job.stem}.scenes.json")


def _scenes_digest(job: Job, kinds: tuple[str, ...]) -> str:
    assert job.media is not None
    media = job.media
    return digest(shown(job.source.name), media.size_bytes, media.mtime, media.video, kinds, SCENES_VERSION, scene.VERSION)


def _read_shots(path: Path, made_from: str) -> tuple[Shot, ...] | None:
    """The shots of a kept analysis made from the same things, else None."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("made_from") != made_from:
            return None
        return tuple(
            Shot(float(s["start"]), float(s["end"]), tuple(Box(*b) for b in s["faces"]), tuple(Box(*b) for b in s["text"]))
            for s in data["shots"]
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_shots(path: Path, made_from: str, kinds: tuple[str, ...], shots: Sequence[Shot]) -> None:
    rows = [
        {"start": s.start, "end": s.end, "faces": [list(dataclasses.astuple(b)) for b in s.faces],
         "text": [list(dataclasses.astuple(b)) for b in s.text]}
        for s in shots
    ]  # fmt: skip
    data = {"version": SCENES_VERSION, "made_from": made_from, "kinds": list(kinds), "shots": rows}
    write_text(path, json.dumps(data, indent=1) + "\n")


def shots_of(job: Job) -> tuple[Job, tuple[Shot, ...]]:
    """The video's shots and what each shows (the kinds `[style] avoid` names): kept from an earlier run or analysed."""
    assert job.media is not None and job.media.video is not None
    kinds = tuple(sorted(job.options.style.avoid))
    if "faces" in kinds and scene.cascade_folder() is None:
        log.warning("%s: faces are not avoided: OpenCV's Haar face cascades are not installed "
                    "(Debian: apt-get install opencv-data)", job.stem)  # fmt: skip
        kinds = tuple(kind for kind in kinds if kind != "faces")
    made_from = _scenes_digest(job, kinds)
    path = scenes_path(job)
    kept = None if job.options.force else _read_shots(path, made_from)
    if kept is not None:
        log.info("%s: keeping %s (unchanged; --force redoes it)", job.stem, path.name)
        return job.with_file("scenes", path, made_from), kept
    with seconds_bar(f"{job.stem}: faces and text", job.media.duration) as progress:
        shots = scene.analyse(job.source, job.media.video, job.media.duration, kinds, progress)
    _write_shots(path, made_from, kinds, shots)
    return job.with_file("scenes", path, made_from), shots


def plan(job: Job, language: str) -> tuple[Job, Layout]:
    """Where each of the language's cues is burned; the video is analysed only when `[style] avoid` asks."""
    if not job.options.style.avoid or job.media is None or job.media.video is None or not job.cues.get(language):
        return job, Layout()
    job, shots = shots_of(job)
    look = look_for(job)
    found = layout(shots, job.cues[language], look.style, look.cue_options, look.canvas)
    for move in found.moves:
        log.info("%s: %.1f-%.1f s: subtitles %s -> %s (clear of %s)", job.stem, move.start, move.end, move.source,
                 move.target, " and ".join(move.why))  # fmt: skip
    return job, found


def burn_subtitles(job: Job, language: str, placed: Layout) -> Path:
    """The ASS file libass burns, in the scratch folder: the language's cues as `subtitle_files.render` writes
    them, each moved where `placed` says."""
    look = look_for(job)
    text = to_ass(job.cues[language], look.style, look.cue_options, look.canvas, placed.places)
    return write_text(job.work / SUBTITLE_FILE, text)


def _kept_shots(job: Job) -> tuple[Shot, ...] | None:
    path = job.files.get("scenes")
    return _read_shots(path, job.digests["scenes"]) if path is not None else None


def record(job: Job) -> dict[str, Any]:
    """What was moved in each burned language, for job.json: {"en": {"avoid", "shots", "moves": [...]}}."""
    shots = _kept_shots(job) if job.options.style.avoid else None
    if shots is None:
        return {}
    look = look_for(job)
    found = {}
    for key in job.files:
        kind, _, language = key.partition(":")
        if kind == "burned" and job.cues.get(language):
            placed = layout(shots, job.cues[language], look.style, look.cue_options, look.canvas)
            moves = [move.as_dict() for move in placed.moves]
            found[language] = {"avoid": list(job.options.style.avoid), "shots": placed.shots, "moves": moves}
    return found


def moved(job: Job) -> list[dict[str, Any]]:
    """Every move, with its language, for the review report."""
    return [{"language": language, **move} for language, part in record(job).items() for move in part["moves"]]

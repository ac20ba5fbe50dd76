"""The whole pipeline through the real command line, on real media."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from subtitler.adapters import whisper
from subtitler.formats import parse
from subtitler.names import safe_stem

from .conftest import AUDIO, VIDEO, ffmpeg, frame_at, invoke, needs, picture_under_speech, wer

pytestmark = pytest.mark.slow


def run(*args: str) -> tuple[int, str]:
    return invoke("run", *args)


def run_process(*args: str) -> subprocess.CompletedProcess[str]:
    """A real process, to see exactly what a user sees on stderr."""
    return subprocess.run([sys.executable, "-m", "subtitler", "run", *args], capture_output=True, text=True, env=os.environ)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def streams(path: Path) -> list[tuple[str, str, str | None, bool]]:
    with av.open(str(path)) as container:
        return [
            (s.type, s.codec_context.name, s.metadata.get("language"), bool(s.disposition & av.stream.Disposition.default))
            for s in container.streams
        ]


def video_packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(video=0) if p.size]


@pytest.fixture(scope="module")
def talk_run(tmp_path_factory, speech_video: Path) -> Path:
    out = tmp_path_factory.mktemp("out")
    before = sha(speech_video)
    code, output = run(str(speech_video), "-o", str(out), "--burn", "en")
    assert code == 0, output
    assert sha(speech_video) == before  # the input is never modified
    return out / "talk"


def test_every_output_is_written(talk_run: Path):
    names = sorted(p.name for p in talk_run.iterdir())
    assert names == sorted([
        "job.json", "talk.json", "talk.en.srt", "talk.en.vtt", "talk.en.ass", "talk.en.txt",
        "talk.subtitled.mp4", "talk.en.burned.mp4", "talk.review.json", "talk.review.html",
    ])  # fmt: skip
    job = json.loads((talk_run / "job.json").read_text())
    assert job["language"] == "en"
    assert job["model"]["name"] == "base"
    assert {"probe", "extract_audio", "transcribe", "cues", "write", "mux", "burn", "review"} <= set(job["timings"])
    assert job["versions"]["faster-whisper"]


def test_subtitles_are_right_and_parse_back(talk_run: Path):
    reference = (AUDIO / "en/jfk.txt").read_text()
    for fmt in ("srt", "vtt", "ass"):
        cues = parse((talk_run / f"talk.en.{fmt}").read_text(), fmt)
        assert cues, fmt
        assert wer(reference, " ".join(text for _, _, text in cues)) <= 0.1, fmt
        assert all(end > start for start, end, _ in cues)
    transcript = json.loads((talk_run / "talk.json").read_text())
    assert transcript["language"] == "en" and 0 < transcript["language_probability"] <= 1
    assert all("probability" in w for s in transcript["segments"] for w in s["words"])


def test_soft_subtitles_copy_streams_and_tag_the_track(talk_run: Path, speech_video: Path):
    kinds = streams(talk_run / "talk.subtitled.mp4")
    assert [k[:2] for k in kinds] == [("video", "h264"), ("audio", "aac"), ("subtitle", "mov_text")]
    assert kinds[2][2] == "eng" and kinds[2][3]
    assert video_packets(talk_run / "talk.subtitled.mp4") == video_packets(speech_video)  # copied, not re-encoded


def test_burn_draws_text_only_where_subtitles_go(talk_run: Path, speech_video: Path):
    start, end, _ = parse((talk_run / "talk.en.srt").read_text(), "srt")[0]
    moment = (start + end) / 2
    burned, original = frame_at(talk_run / "talk.en.burned.mp4", moment), frame_at(speech_video, moment)
    assert burned.shape == original.shape == (360, 640, 3)
    difference = np.abs(burned - original).mean(axis=2)
    bottom, top = difference[290:350].mean(), difference[20:200].mean()
    assert bottom > 4 * top and bottom > 8, (bottom, top)
    kinds = streams(talk_run / "talk.en.burned.mp4")
    assert [k[:2] for k in kinds] == [("video", "h264"), ("audio", "aac")]


def test_portrait_video_stays_portrait_when_burned(tmp_path: Path, portrait_video: Path):
    code, output = run(str(portrait_video), "-o", str(tmp_path), "--burn", "en", "--format", "srt")
    assert code == 0, output
    burned = tmp_path / "portrait" / "portrait.en.burned.mp4"
    frame = frame_at(burned, 1.0)
    assert frame.shape[:2] == (568, 320)  # displayed orientation: taller than wide
    text_rows = np.where((frame > 235).all(axis=2).sum(axis=1) > 3)[0]  # white glyph pixels
    assert len(text_rows) and text_rows.min() > 568 * 0.6  # the text sits at the bottom of the portrait picture
    soft = streams(tmp_path / "portrait" / "portrait.subtitled.mov")
    assert [k[0] for k in soft] == ["video", "audio", "subtitle"]


def test_anamorphic_video_keeps_its_shape(tmp_path: Path, anamorphic_video: Path):
    code, output = run(str(anamorphic_video), "-o", str(tmp_path), "--burn", "en", "--format", "ass")
    assert code == 0, output
    with av.open(str(tmp_path / "anamorphic" / "anamorphic.en.burned.mp4")) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (640, 360)
        assert float(stream.sample_aspect_ratio) == pytest.approx(2 / 3, abs=0.01)
    style = [ln for ln in (tmp_path / "anamorphic" / "anamorphic.en.ass").read_text().splitlines() if ln.startswith("Style:")]
    assert style[0].split(",")[11] == "150"  # glyphs widened by 1 / SAR so they display true


def test_existing_subtitle_tracks_are_kept(tmp_path: Path, shared):
    source = picture_under_speech(VIDEO / "with_webvtt_subtitle_stream.mkv", tmp_path / "with subs.mkv", "-map", "0:s")
    code, output = run(str(source), "-o", str(tmp_path / "out"), "--format", "srt")
    assert code == 0, output
    kinds = streams(tmp_path / "out" / "with subs" / "with subs.subtitled.mkv")
    subtitles = [k for k in kinds if k[0] == "subtitle"]
    assert [(k[2], k[3]) for k in subtitles] == [(None, False), ("eng", True)]  # the old track kept, no longer default
    assert subtitles[0][1] == "webvtt" and subtitles[1][1] in ("subrip", "srt")


def test_audio_only_input_gets_subtitle_files_only(tmp_path: Path, shared):
    code, output = run(str(AUDIO / "en/jfk.flac"), "-o", str(tmp_path), "--burn", "en")
    assert code == 0, output
    names = {p.name for p in (tmp_path / "jfk").iterdir()}
    assert "jfk.en.srt" in names
    assert not [n for n in names if n.endswith((".mp4", ".mkv", ".mov"))]


def test_a_second_run_keeps_finished_work_and_force_redoes_it(tmp_path: Path, shared):
    source = AUDIO / "en/jfk.flac"
    assert run(str(source), "-o", str(tmp_path))[0] == 0
    srt = tmp_path / "jfk" / "jfk.en.srt"
    first = srt.stat().st_mtime_ns
    assert run(str(source), "-o", str(tmp_path))[0] == 0
    job = json.loads((tmp_path / "jfk" / "job.json").read_text())
    assert job["reused"] == ["transcribe"] and "transcribe" in job["timings"]
    assert srt.stat().st_mtime_ns == first
    assert run(str(source), "-o", str(tmp_path), "--max-chars", "30")[0] == 0  # cue rules changed: redone
    assert max(len(line) for line in srt.read_text().splitlines()) <= 30
    assert run(str(source), "-o", str(tmp_path), "--max-chars", "30", "--force")[0] == 0
    assert json.loads((tmp_path / "jfk" / "job.json").read_text())["reused"] == []


AWKWARD = ["my talk", "it's", "a:b", "100%", "a,b", "[x]", "-dash", "Ça été ñ"]


def test_awkward_names_go_through_mux_and_burn(tmp_path: Path, speech_video: Path):
    sources = []
    for name in AWKWARD:
        sources.append(tmp_path / "in" / f"{name}.mp4")
        sources[-1].parent.mkdir(exist_ok=True)
        shutil.copy(speech_video, sources[-1])
    code, output = run(str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--burn", "en", "--format", "srt", "--model", "base")
    assert code == 0, output
    for name in AWKWARD:
        stem = safe_stem(name)  # characters Windows and SMB shares refuse become "_"
        assert stem == name.replace(":", "_")
        folder = tmp_path / "out" / stem
        assert (folder / f"{stem}.en.burned.mp4").stat().st_size > 10_000
        assert (folder / f"{stem}.subtitled.mp4").is_file()
    assert not list((tmp_path / "out").rglob(".*partial*"))


def test_bad_inputs_get_one_line_and_the_batch_goes_on(tmp_path: Path, speech_video: Path, shared):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video\n")
    good = tmp_path / "good.mp4"
    shutil.copy(speech_video, good)
    cases = {
        str(tmp_path / "missing.mp4"): "no such file",
        str(empty): "empty",
        str(text): "not a media file",
        str(VIDEO / "tears_of_steel_10s_noaudio.mp4"): "no audio stream",
    }
    done = run_process(*cases, str(good), "-o", str(tmp_path / "out"), "--no-mux", "--format", "srt")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    for path, message in cases.items():
        line = next(ln for ln in done.stderr.splitlines() if ln.startswith("failed") and path in ln)
        assert message in line
    assert (tmp_path / "out" / "good" / "good.en.srt").is_file()
    assert "1 of 5 done, 4 failed" in done.stderr
    assert not (tmp_path / "out" / "empty" / "job.json").exists()


def test_usage_errors_exit_2_without_a_traceback(tmp_path: Path, speech_video: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    cases = [
        ([str(speech_video), "-o", str(blocker / "out")], "cannot create output folder"),
        ([str(speech_video), "-o", str(tmp_path), "--language", "klingon"], "unknown language"),
        ([str(speech_video), "-o", str(tmp_path), "--preset", "nope"], "unknown preset"),
        ([str(speech_video), "-o", str(tmp_path), "--model", "gigantic"], "unknown model"),
        ([str(tmp_path / "empty-folder"), "-o", str(tmp_path)], "no media files"),
    ]
    if not whisper.cuda_available():
        cases.append(([str(speech_video), "-o", str(tmp_path), "--device", "cuda"], "sees no CUDA GPU"))
    (tmp_path / "empty-folder").mkdir()
    for args, message in cases:
        done = run_process(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert "Traceback" not in done.stderr
        assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_burning_a_language_no_engine_reaches_fails_that_file(tmp_path: Path, speech_video: Path):
    # French is a target some language could reach here (Apertium es>fr), so only the English file fails.
    code, output = run(str(speech_video), "-o", str(tmp_path), "--burn", "fr", "--no-mux")
    assert code == 1
    assert "no engine here translates English (en) into French (fr)" in output
    assert not list((tmp_path / "talk").glob("*.burned.mp4"))


# -- issue 12: partial results, same names, fallback container ------------------------------------------------
def _apertium_reaches_french_but_not_from_english() -> bool:
    from subtitler.adapters import apertium

    pairs = set(apertium.modes())
    return ("en", "es") in pairs and bool({("es", "fr"), ("ca", "fr")} & pairs) and ("en", "fr") not in pairs


@needs(_apertium_reaches_french_but_not_from_english(), "Apertium with en>es and es>fr (not en>fr) is not installed")
def test_a_watched_input_done_without_one_language_is_done_with_problems(tmp_path: Path, shared):
    """French can be reached from Spanish, not from the English this input turns out to speak: the job is done,
    its outputs are there, and the ledger, `status` and `retry` know which language is missing and why."""
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    shutil.copy(AUDIO / "en/jfk.flac", inbox / "jfk.flac")
    watch = [sys.executable, "-m", "subtitler", "watch", str(inbox), "-o", str(out), "--once", "--settle", "0.5",
             "--rescan", "1", "--format", "srt", "--to", "es,fr", "-q"]  # fmt: skip
    done = subprocess.run(watch, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (out / "jfk/jfk.es.srt").is_file() and not (out / "jfk/jfk.fr.srt").exists()
    from subtitler.watch.store import Store

    store = Store(out)
    try:
        entry = store.get("jfk.flac")
        assert entry is not None and entry.state == "done"
        assert entry.error.startswith("not translated: fr (no engine here translates English (en) into French (fr)")
    finally:
        store.close()
    assert "done*   jfk.flac: not translated: fr" in (out / "watch.log").read_text(encoding="utf-8")
    status = subprocess.run([sys.executable, "-m", "subtitler", "status", str(out)], capture_output=True, text=True)
    assert "done 1  failed 0  (1 done with outputs missing: done*)" in status.stdout, status.stdout
    assert "done*    jfk.flac: not translated: fr (no engine here translates English (en)" in status.stdout
    retried = subprocess.run([sys.executable, "-m", "subtitler", "retry", str(out)], capture_output=True, text=True)
    assert retried.stdout.startswith("1 job(s) queued again"), retried.stdout + retried.stderr


def test_same_stems_in_one_batch_get_three_folders(tmp_path: Path, shared):
    """a.mp4, x/a.mp4 and a-2.mp4: three folders (a, a-2, a-2-2), each with the outputs of its own input."""
    clips = {"a.mp4": "mr_quilter.wav", "x/a.mp4": "jfk_16k_mono.wav", "a-2.mp4": "stereo_two_speakers.wav"}
    references = {clip: (AUDIO / "en" / clip).with_suffix(".txt").read_text(encoding="utf-8") for clip in clips.values()}
    inputs = []
    for name, clip in clips.items():
        path = tmp_path / "in" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10", "-i", str(AUDIO / "en" / clip), "-shortest",
               "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", str(path))  # fmt: skip
        inputs.append(str(path))
    out = tmp_path / "out"
    code, output = run(*inputs, "-o", str(out), "--language", "en", "--format", "srt")
    assert code == 0, output
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["a", "a-2", "a-2-2"]
    for stem, (name, clip) in zip(["a", "a-2", "a-2-2"], clips.items(), strict=True):
        folder = out / stem
        record = json.loads((folder / "job.json").read_text(encoding="utf-8"))
        assert (record["source"], record["stem"]) == (str(tmp_path / "in" / name), stem)
        assert (folder / f"{stem}.subtitled.mp4").is_file()
        heard = " ".join(text for _, _, text in parse((folder / f"{stem}.en.srt").read_text(encoding="utf-8"), "srt"))
        closest = min(references, key=lambda other: wer(references[other], heard))
        assert closest == clip, (stem, heard)  # its own input's words, not another's


def test_a_container_that_cannot_hold_text_subtitles_gets_a_matroska_soft_copy(tmp_path: Path, speech_video: Path):
    """[output] fallback_container: MPEG-TS and AVI inputs get `<stem>.subtitled.mkv`, the streams copied."""
    ts, avi = tmp_path / "in/clip.ts", tmp_path / "in/film.avi"
    ts.parent.mkdir()
    ffmpeg("-i", str(speech_video), "-c", "copy", str(ts))
    ffmpeg("-i", str(speech_video), "-c:v", "mpeg4", "-q:v", "5", "-c:a", "libmp3lame", str(avi))  # as AVIs come
    code, output = run(str(ts), str(avi), "-o", str(tmp_path / "out"), "--language", "en", "--format", "srt")
    assert code == 0, output
    for stem, source in (("clip", ts), ("film", avi)):
        folder = tmp_path / "out" / stem
        assert [p.name for p in folder.glob(f"{stem}.subtitled.*")] == [f"{stem}.subtitled.mkv"]
        with av.open(str(folder / f"{stem}.subtitled.mkv")) as container:
            assert "matroska" in container.format.name
        found = streams(folder / f"{stem}.subtitled.mkv")
        kept = [(kind, codec) for kind, codec, _, _ in found[:2]]
        assert kept == [(kind, codec) for kind, codec, _, _ in streams(source)] and kept[1][0] == "audio"  # copied
        assert found[2:] == [("subtitle", "srt", "eng", True)]

"""Hostile names, links and concurrent runs: nothing is written outside OUT, no traceback, the batch goes on."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from subtitler.adapters.ffmpeg import failure_reason, ffmpeg_exe, media_arg
from subtitler.errors import FFmpegError
from subtitler.inputs import name_outputs
from subtitler.names import MAX_STEM_BYTES, printable, safe_stem, shown
from subtitler.outputs import folder_lock

from .conftest import AUDIO, ffmpeg, invoke

CLIP = AUDIO / "en" / "one_two_three.wav"
FAST = ("--language", "en", "--format", "srt", "--no-mux")


def tree_digest(folder: Path, skip: Path) -> dict[str, str]:
    """Every file under `folder` (links as their target text), except under `skip`: to see that nothing changed."""
    found = {}
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if Path(root, d) != skip]
        for name in files:
            path = Path(root, name)
            data = os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
            found[shown(path.relative_to(folder))] = hashlib.sha256(data).hexdigest()
    return found


def test_safe_stems() -> None:
    assert safe_stem("..") == "input"
    assert safe_stem(".") == "input"
    assert safe_stem(".hidden") == "hidden"
    assert safe_stem("a:b*c?") == "a_b_c_"
    assert safe_stem("caf\udce9") == "caf_xe9"  # the byte 0xE9, not UTF-8, shown as \xe9
    long = safe_stem("é" * 200)
    assert len(long.encode()) <= MAX_STEM_BYTES and long.startswith("é" * 40)
    assert long != safe_stem("é" * 201)  # a hash of the full name keeps two long names apart
    assert shown("caf\udce9.mp4") == "caf\\xe9.mp4"
    record = {"source": "caf\udce9.mp4", "loudness": {"true_peak": float("-inf"), "i": -14.0}, "sizes": (1, float("nan"))}
    assert json.loads(json.dumps(printable(record), allow_nan=False)) == {
        "source": "caf\\xe9.mp4", "loudness": {"true_peak": None, "i": -14.0}, "sizes": [1, None],
    }  # fmt: skip


def test_same_names_never_share_a_folder() -> None:
    stems = [i.stem for i in name_outputs([Path("a.mp4"), Path("x/a.mp4"), Path("a-2.mp4"), Path("A.mov")])]
    assert stems == ["a", "a-2", "a-2-2", "A-3"]
    assert len({s.lower() for s in stems}) == 4


@pytest.mark.slow
def test_hostile_names_stay_inside_out(tmp_path: Path, shared: Path, base_model, monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    names = ["...wav", "..wav", ".hidden.wav", "co:lon.wav", "caf\udce9.wav", "n" * 240 + ".wav", "-leading.wav"]
    for name in names:
        shutil.copyfile(CLIP, inputs / name)
    (inputs / "loop1.wav").symlink_to("loop2.wav")
    (inputs / "loop2.wav").symlink_to("loop1.wav")
    out = tmp_path / "work" / "out"
    out.parent.mkdir()
    (out.parent / "job.json").write_text("a neighbour's file\n")
    (out.parent / ".work").mkdir()
    (out.parent / ".work" / "keep.txt").write_text("keep\n")
    before = tree_digest(tmp_path, skip=out)
    inputs_before = tree_digest(inputs, skip=out)
    monkeypatch.chdir(inputs)  # names given as they are, relative: "co:lon.wav" must not be read as a protocol
    code, output = invoke("run", *[f"./{n}" if n.startswith("-") else n for n in names], "loop1.wav", "-o", str(out), *FAST)
    assert code == 1, output
    assert "Traceback" not in output
    failed = [line for line in output.splitlines() if line.startswith("failed")]
    assert len(failed) == 1 and "loop1.wav" in failed[0] and "too many levels of symbolic links" in failed[0]
    assert "7 of 8 done, 1 failed" in output
    assert tree_digest(tmp_path, skip=out) == before  # nothing outside OUT changed
    assert tree_digest(inputs, skip=out) == inputs_before  # inputs only read
    folders = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert all(not name.startswith(".") and name not in ("", ".", "..") for name in folders)
    assert len(folders) == 7  # one per good input; none for the failed one
    for folder in folders:
        record = json.loads((out / folder / "job.json").read_text(encoding="utf-8"))
        assert record["stem"] == folder
        assert (out / folder / f"{folder}.en.srt").read_text(encoding="utf-8").strip()
        assert len(os.fsencode(folder)) <= MAX_STEM_BYTES
    sources = {json.loads((out / f / "job.json").read_text(encoding="utf-8"))["source"] for f in folders}
    assert str(inputs / "caf\\xe9.wav") in sources  # the full name, with the byte escaped
    assert str(inputs / ("n" * 240 + ".wav")) in sources


@pytest.mark.slow
def test_a_scratch_link_in_out_is_never_followed(tmp_path: Path, shared: Path, base_model) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "precious.txt").write_text("precious\n")
    out = tmp_path / "out"
    (out / "clip").mkdir(parents=True)
    (out / "clip" / ".work").symlink_to(elsewhere, target_is_directory=True)
    source = tmp_path / "clip.wav"
    shutil.copyfile(CLIP, source)
    code, output = invoke("run", str(source), "-o", str(out), *FAST, "--burn", "en")
    assert code == 0, output
    assert sorted(p.name for p in elsewhere.iterdir()) == ["precious.txt"]
    assert (elsewhere / "precious.txt").read_text() == "precious\n"
    assert not (out / "clip" / ".work").exists()


@pytest.mark.slow
def test_a_second_run_on_the_same_folder_is_refused(tmp_path: Path, shared: Path, base_model) -> None:
    out = tmp_path / "out"
    with folder_lock(out):
        code, output = invoke("run", str(CLIP), "-o", str(out), *FAST)
    assert code == 2
    assert "another subtitler run (pid" in output and "is writing into" in output
    assert not (out / "one_two_three").exists()
    code, output = invoke("run", str(CLIP), "-o", str(out), *FAST)  # the lock went with the first run
    assert code == 0, output


@pytest.mark.slow
def test_a_failed_input_leaves_no_empty_folder(tmp_path: Path, shared: Path, base_model) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00" * 1000)
    out = tmp_path / "out"
    code, output = invoke("run", str(broken), str(CLIP), "-o", str(out), *FAST)
    assert code == 1, output
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["one_two_three"]


def test_an_os_error_in_ffmpeg_is_said_as_itself(tmp_path: Path) -> None:
    """/dev/full fails every write with ENOSPC, as a full disk does."""
    args = [ffmpeg_exe(), "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=duration=1", "-f", "wav", "/dev/full"]
    done = subprocess.run(args, capture_output=True, text=True)
    assert done.returncode != 0
    assert failure_reason(done.stderr) == "no space left on device"
    from subtitler.adapters import ffmpeg

    with pytest.raises(FFmpegError, match="writing the test failed: no space left on device"):
        ffmpeg.run(["-f", "lavfi", "-i", "sine=duration=1", "-f", "wav", media_arg(Path("/dev/full"))], what="writing the test")
    assert failure_reason("[out] something\nConversion failed!\n") == "Conversion failed!"


@pytest.mark.slow
def test_a_huge_output_frame_is_refused_before_any_work(tmp_path: Path, shared: Path) -> None:
    huge = tmp_path / "huge.mp4"
    ffmpeg("-f", "lavfi", "-i", "color=c=gray:size=8000x8000:duration=0.04:rate=25", "-f", "lavfi", "-i", "sine=duration=0.04",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(huge))  # fmt: skip
    out = tmp_path / "out"
    code, output = invoke("run", str(huge), "-o", str(out), "--upscale", "2", "--language", "en")
    assert code == 1
    assert "the output picture would be 16000x16000 (256,000,000 pixels), more than [output] max_frame_pixels" in output
    assert "transcribe" not in output
    assert not (out / "huge").exists()


@pytest.mark.slow
def test_burn_on_a_dot_name_stays_inside_out(tmp_path: Path) -> None:
    video = tmp_path / "in" / "...mp4"
    video.parent.mkdir()
    ffmpeg("-f", "lavfi", "-i", "color=c=gray:size=320x240:duration=1:rate=25", "-c:v", "libx264", "-preset", "ultrafast",
           "-pix_fmt", "yuv420p", "-f", "mp4", str(video))  # fmt: skip
    subs = tmp_path / "in" / "fix.en.srt"
    subs.write_text("1\n00:00:00,000 --> 00:00:00,900\nHello\n", encoding="utf-8")
    out = tmp_path / "work" / "out"
    out.parent.mkdir()
    (out.parent / "job.json").write_text("a neighbour's file\n")
    before = tree_digest(tmp_path, skip=out)
    code, output = invoke("burn", str(video), "--subs", str(subs), "-o", str(out))
    assert code == 0, output
    assert tree_digest(tmp_path, skip=out) == before
    assert (out / "input" / "input.en.burned.mp4").stat().st_size > 1000
    assert json.loads((out / "input" / "job.json").read_text(encoding="utf-8"))["stem"] == "input"


def test_an_input_that_vanishes_mid_job_leaves_no_partial_folder(tmp_path: Path) -> None:
    """The runner itself, with two small stages of this test's own: one writes an output, one finds the input gone."""
    from subtitler.job import Job
    from subtitler.options import load_options
    from subtitler.outputs import write_text
    from subtitler.pipeline import run_batch

    class WriteSomething:
        name = "write"

        def run(self, job: Job) -> Job:
            write_text(job.output("partial.srt"), "1\n")
            job.source.unlink()  # the input is deleted (or renamed) while the job runs
            return job

    class NeedsTheInput:
        name = "burn"

        def run(self, job: Job) -> Job:
            job.source.read_bytes()
            return job

    options = load_options()
    kept, gone = tmp_path / "kept.wav", tmp_path / "gone.wav"
    for path in (kept, gone):
        shutil.copyfile(CLIP, path)
    out = tmp_path / "out"
    (out / "kept").mkdir(parents=True)
    (out / "kept" / "job.json").write_text("{}\n")  # a finished earlier run: its folder is never removed
    jobs = [Job(path, out / path.stem, path.stem, options, None) for path in (gone, kept)]
    results = run_batch(jobs, [WriteSomething(), NeedsTheInput()])
    assert [r.ok for r in results] == [False, False]
    assert results[0].error == f"no such file or directory: {gone}"
    assert not (out / "gone").exists()
    assert sorted(p.name for p in (out / "kept").iterdir()) == ["job.json", "partial.srt"]

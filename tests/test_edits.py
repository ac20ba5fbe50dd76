"""Edits are first-class (issue 13): a person's corrections kept as versions, every output of the language made
from them by `apply` without transcribing, kept by later runs (--force too), dropped only by --discard-edits, and
the translations made again from the corrected speech on request."""

from __future__ import annotations

import dataclasses
import json
import math
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import subtitler
from subtitler.adapters import apertium, whisper
from subtitler.edits import (
    EditStore,
    Followed,
    cues_from_data,
    fit_words,
    follow_corrections,
    locate,
    seed_copy,
    with_spoken_times,
)
from subtitler.errors import EditConflict, UsageError
from subtitler.model import Cue, Word
from subtitler.options import load_options
from subtitler.stages.edited import read_cues

from .conftest import frame_at, needs

HELLO = (Cue(1.0, 2.5, ("Hello there,", "my friends."), (Word(1.0, 1.4, " Hello", 0.4), Word(1.4, 1.9, " there,"),
                                                            Word(2.0, 2.2, " my"), Word(2.2, 2.5, " friends."))),)  # fmt: skip


def corrected(cues: tuple[Cue, ...], old: str, new: str) -> tuple[Cue, ...]:
    return tuple(Cue(c.start, c.end, tuple(line.replace(old, new) for line in c.lines), c.words) for c in cues)


# The store


def test_versions_are_kept_and_a_correction_from_an_old_version_is_refused(tmp_path: Path):
    store = EditStore(tmp_path)
    assert store.current("en") is None and store.versions("en") == [] and store.languages() == []
    assert store.save("en", HELLO, None, "first look") == 1
    assert store.save("English", corrected(HELLO, "friends", "friend"), 1, author="ada") == 2  # names are codes
    with pytest.raises(EditConflict) as refused:
        store.save("en", corrected(HELLO, "Hello", "Hi"), 1)  # made from version 1, but 2 was saved since
    assert refused.value.current == 2 and refused.value.base == 1 and refused.value.exit_code == 2
    with pytest.raises(EditConflict) as refused:
        store.save("en", HELLO, None)  # "no edit yet" is stale too
    assert refused.value.current == 2
    assert [(v.number, v.base, v.note, v.discarded) for v in store.versions("en")] == [
        (1, 0, "first look", False), (2, 1, "", False)
    ]  # fmt: skip
    assert store.versions("en")[1].author == "ada" and store.versions("en")[0].saved_at.endswith("+00:00")
    edit = store.current("en")
    assert edit is not None and edit.version == 2 and edit.cues[0].lines == ("Hello there,", "my friend.")
    assert store.languages() == ["en"]
    assert sorted(p.name for p in (tmp_path / "edits" / "en").glob("*.json")) == ["v0001.json", "v0002.json"]
    saved = json.loads((tmp_path / "edits" / "en" / "v0002.json").read_text(encoding="utf-8"))
    assert saved["base"] == 1
    assert saved["cues"][0]["words"][3] == {"start": 2.2, "end": 2.5, "text": " friend.", "probability": 1.0}
    assert saved["cues"][0]["words"][0]["probability"] == 0.4  # an unchanged word keeps what Whisper heard


def test_revert_and_discard_keep_the_history(tmp_path: Path):
    store = EditStore(tmp_path)
    store.save("fr", HELLO, None)
    store.save("fr", corrected(HELLO, "Hello", "Bonjour"), 1)
    assert store.revert("fr", 1) == 3
    assert store.current("fr").cues == store.read("fr", 1).cues  # type: ignore[union-attr]
    assert store.discard("fr") == 4
    assert store.current("fr") is None and store.languages() == []  # the machine's cues again
    assert store.discard("fr") is None  # nothing in use: nothing to discard
    assert [v.discarded for v in store.versions("fr")] == [False, False, False, True]
    assert store.versions("fr")[2].note == "back to version 1"
    with pytest.raises(EditConflict):
        store.save("fr", HELLO, 3)  # the discard is a version: made from 3, refused
    assert store.save("fr", corrected(HELLO, "Hello", "Salut"), 4) == 5
    assert store.current("fr").cues[0].lines[0] == "Salut there,"  # type: ignore[union-attr]
    assert store.revert("fr", 4) == 6 and store.current("fr") is None  # back to a discard: discarded again
    with pytest.raises(UsageError, match="no version 9"):
        store.revert("fr", 9)


@pytest.mark.parametrize(
    ("cue", "message"),
    [
        ({"start": math.nan, "end": 2, "lines": ["a"]}, "cue 1: start must be a number of seconds"),
        ({"start": 2, "end": 2, "lines": ["a"]}, "cue 1: ends at 2 s, not after it starts"),
        ({"start": 1, "end": 2, "lines": []}, "cue 1: lines must be a list of 1 to 10 texts"),
        ({"start": 1, "end": 2, "lines": [" "]}, "cue 1: has no text"),
        ({"start": 1, "end": 2, "lines": ["a\nb"]}, "cue 1: a line must not hold control characters"),
        (
            {"start": 1, "end": 2, "lines": ["a"], "words": [{"start": 1, "end": 2, "text": "a", "probability": 2}]},
            "cue 1, word 1: probability must be a number from 0 to 1",
        ),
        ({"start": True, "end": 2, "lines": ["a"]}, "cue 1: start must be a number"),
    ],
)
def test_cues_are_checked_at_the_door(cue: dict, message: str):
    with pytest.raises(UsageError, match=re.escape(message)):
        cues_from_data([cue], "en")


def test_words_say_what_the_lines_say():
    (cue,) = HELLO
    assert fit_words(cue, "en") == cue  # unchanged
    renamed = fit_words(Cue(cue.start, cue.end, ("Hi there,", "my friends."), cue.words), "en")
    assert [(w.start, w.text, w.probability) for w in renamed.words][:2] == [(1.0, " Hi", 1.0), (1.4, " there,", 1.0)]
    longer = fit_words(Cue(cue.start, cue.end, ("Hello there, all", "my friends."), cue.words), "en")
    assert [w.text for w in longer.words] == [" Hello", " there,", " all", " my", " friends."]  # spread over the cue
    assert longer.words[0].start == 1.0 and longer.words[-1].end == pytest.approx(2.5)
    heard = [Word(1.05, 1.3, " Hello", 0.3), Word(1.35, 1.8, " there,"), Word(2.0, 2.1, " my"), Word(2.15, 2.45, " fiends.", 0.2)]
    spread_out = fit_words(Cue(1.0, 2.5, cue.lines), "en")
    (timed,) = with_spoken_times([spread_out], heard)
    assert [(w.start, w.text, w.probability) for w in timed.words] == [
        (1.05, " Hello", 0.3), (1.35, " there,", 1.0), (2.0, " my", 1.0), (2.15, " friends.", 1.0)
    ]  # fmt: skip


def test_a_corrected_file_names_its_job_folder_and_language(tmp_path: Path):
    folder = tmp_path / "out" / "my.talk"
    folder.mkdir(parents=True)
    (folder / "job.json").write_text("{}", encoding="utf-8")
    assert locate(folder / "my.talk.fr.srt") == (folder, "fr")
    assert locate(tmp_path / "my.talk.fr.vtt", out=tmp_path / "out") == (folder, "fr")
    assert locate(tmp_path / "my.talk.srt", out=tmp_path / "out", language="French") == (folder, "fr")
    with pytest.raises(UsageError, match=r"cannot tell the language of my\.talk\.srt"):
        locate(folder / "my.talk.srt")
    with pytest.raises(UsageError, match="give the output folder with -o OUT"):
        locate(tmp_path / "my.talk.fr.srt")
    with pytest.raises(UsageError, match="no finished job in"):
        locate(tmp_path / "other.fr.srt", out=tmp_path / "out")


# Real runs: JFK's 11 s under a test picture, English burned in and translated into Spanish (Apertium)

needs_apertium = needs(("en", "es") in set(apertium.modes()), "Apertium eng-spa is not installed (examples/setup.sh --translate)")
RUN = ("--burn", "en", "--to", "es", "--language", "en")


def say(*args: str, quiet: bool = False) -> tuple[int, str]:
    """The real command line, with its log (INFO) in the output unless `quiet`."""
    from subtitler.cli import main

    result = CliRunner().invoke(main, [*args, *(["--quiet"] if quiet else [])])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory, speech_video: Path, base_model) -> Path:
    """A finished job: OUT/talk/ with English and Spanish subtitles, the soft copy and the English burned copy."""
    out = tmp_path_factory.mktemp("finished") / "out"
    code, output = say("run", str(speech_video), "-o", str(out), *RUN, quiet=True)
    assert code == 0, output
    return out


@pytest.fixture
def out(finished: Path, tmp_path: Path) -> Path:
    """A copy of the finished job's output folder, for a test to change."""
    return Path(shutil.copytree(finished, tmp_path / "out"))


def no_transcription(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("applying a correction must not transcribe")

    monkeypatch.setattr(whisper, "transcribe", refuse)


def cue_with(srt: Path, word: str) -> Cue:
    return next(cue for cue in read_cues(srt, "en") if word in cue.text)


def soft_track(video: Path, language: str) -> str:
    from subtitler.adapters.ffmpeg import ffmpeg_exe

    done = subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-i", str(video), "-map", f"0:s:m:language:{language}",
                           "-f", "srt", "-"], capture_output=True, text=True, check=True)  # fmt: skip
    return done.stdout


def record(folder: Path) -> dict:
    return json.loads((folder / "job.json").read_text(encoding="utf-8"))


@pytest.mark.slow
@needs_apertium
def test_apply_makes_every_output_of_the_language_from_the_correction(out: Path, tmp_path: Path, monkeypatch):
    folder = out / "talk"
    cue = cue_with(folder / "talk.en.srt", "Americans")  # its words are spread: an SRT has no word times
    moment = (cue.start + cue.end) / 2
    before = frame_at(folder / "talk.en.burned.mp4", moment)
    spanish = (folder / "talk.es.srt").stat().st_mtime_ns
    fixed = tmp_path / "desk" / "talk.en.srt"  # corrected elsewhere, applied with -o
    fixed.parent.mkdir()
    fixed.write_text((folder / "talk.en.srt").read_text(encoding="utf-8").replace("Americans", "Citizens"), encoding="utf-8")
    no_transcription(monkeypatch)
    german = fixed.with_name("talk.de.srt")
    german.write_text("1\n00:00:01,000 --> 00:00:02,000\nHallo\n", encoding="utf-8")
    code, output = say("apply", str(german), "-o", str(out), quiet=True)
    assert code == 2 and "has subtitles in en, es, not in de" in output  # a language the job does not have
    assert not (folder / "edits").exists()

    code, output = say("apply", str(fixed), "-o", str(out), quiet=True)
    assert code == 0, output
    assert "applied talk.en.srt: the outputs are made from your edited subtitles (en version 1)" in output
    made = output.split("re-made ", 1)[1].splitlines()[0].split(", ")
    assert set(made) >= {"talk.en.srt", "talk.en.vtt", "talk.en.ass", "talk.en.txt", "talk.subtitled.mp4",
                         "talk.en.burned.mp4", "talk.review.json", "talk.review.html"}  # fmt: skip
    assert not {"talk.json", "talk.es.srt", "talk.es.json"} & set(made)  # the transcript and the Spanish are kept
    for suffix in ("srt", "vtt", "ass", "txt"):
        text = (folder / f"talk.en.{suffix}").read_text(encoding="utf-8")
        assert "Citizens" in text and "Americans" not in text, suffix
    assert "Citizens" in soft_track(folder / "talk.subtitled.mp4", "eng")
    assert "Americans" not in soft_track(folder / "talk.subtitled.mp4", "eng")
    assert soft_track(folder / "talk.subtitled.mp4", "spa").strip()  # the Spanish track is still there
    after = frame_at(folder / "talk.en.burned.mp4", moment)
    text_rows = slice(int(360 * 0.6), 360)
    assert np.abs(after[text_rows] - before[text_rows]).sum(axis=2).max() > 200  # the word drawn changed
    assert np.abs(after[:150] - before[:150]).mean() < 8  # the picture above it did not
    review = json.loads((folder / "talk.review.json").read_text(encoding="utf-8"))
    assert any("Citizens" in row["text"] for row in review["languages"]["en"]["cues"])
    assert "Citizens" in (folder / "talk.review.html").read_text(encoding="utf-8")
    job = record(folder)
    assert "transcribe" in job["reused"] and job["edited"] == {"en": 1}
    assert (folder / "talk.es.srt").stat().st_mtime_ns == spanish
    (version,) = EditStore(folder).versions("en")
    assert version.note == "from talk.en.srt"
    edit = EditStore(folder).current("en")
    assert edit is not None
    (word,) = [w for c in edit.cues for w in c.words if w.text.strip().startswith("Citizens")]
    transcript = json.loads((folder / "talk.json").read_text(encoding="utf-8"))
    (heard,) = [w for s in transcript["segments"] for w in s["words"] if "Americans" in w["text"]]
    assert (word.start, word.end) == (heard["start"], heard["end"])  # the time Whisper heard the word, not a guess

    # Someone saves version 2 (the studio) without making the outputs again: the SRT on disk shows version 1, and
    # applying a correction of it would set version 2 aside unseen: refused.
    store = EditStore(folder)
    store.save("en", corrected(edit.cues, "Citizens", "Friends"), 1, "in the studio")
    code, output = say("apply", str(fixed), "-o", str(out), quiet=True)
    assert code == 2 and "made from version 1, but version 2 of your corrections was saved since" in output
    assert store.latest("en") == 2


@pytest.mark.slow
@needs_apertium
def test_later_runs_keep_the_correction_until_it_is_discarded(out: Path, speech_video: Path, monkeypatch):
    folder = out / "talk"
    cues = corrected(read_cues(folder / "talk.en.srt", "en"), "Americans", "Citizens")
    no_transcription(monkeypatch)
    job = subtitler.apply(folder, "en", cues=cues)  # the Python API, with the cues themselves
    assert job.edited == {"en": 1} and "Citizens" in job.files["srt:en"].read_text(encoding="utf-8")
    burned = (folder / "talk.en.burned.mp4").stat().st_mtime_ns

    code, output = say("run", str(speech_video), "-o", str(out), *RUN)
    assert code == 0, output
    assert "talk: kept your edited subtitles (en, version 1)" in output
    assert "Citizens" in (folder / "talk.en.srt").read_text(encoding="utf-8")
    assert (folder / "talk.en.burned.mp4").stat().st_mtime_ns == burned  # nothing to redo
    monkeypatch.undo()

    code, output = say("run", str(speech_video), "-o", str(out), *RUN, "--force")
    assert code == 0, output
    assert "talk: kept your edited subtitles (en, version 1)" in output
    assert "transcribe" not in record(folder)["reused"]  # the transcript was made again, the correction stayed
    assert "Citizens" in (folder / "talk.en.srt").read_text(encoding="utf-8")
    assert "Citizens" in soft_track(folder / "talk.subtitled.mp4", "eng")

    code, output = say("run", str(speech_video), "-o", str(out), *RUN, "--discard-edits")
    assert code == 0, output
    assert "talk: discarded your edited subtitles (en; the history is kept, version 2)" in output
    text = (folder / "talk.en.srt").read_text(encoding="utf-8")
    assert "Americans" in text and "Citizens" not in text
    assert "Americans" in soft_track(folder / "talk.subtitled.mp4", "eng")
    assert record(folder)["edited"] == {}
    assert [v.discarded for v in EditStore(folder).versions("en")] == [False, True]  # the history is kept


@pytest.mark.slow
@needs_apertium
def test_retranslate_makes_the_other_languages_from_the_corrected_speech(out: Path, speech_video: Path, monkeypatch):
    folder = out / "talk"
    spanish = (folder / "talk.es.srt").read_text(encoding="utf-8")
    assert "país" in spanish and "nación" not in spanish
    srt = folder / "talk.en.srt"
    srt.write_text(srt.read_text(encoding="utf-8").replace("country", "nation"), encoding="utf-8")
    no_transcription(monkeypatch)

    assert say("apply", str(srt), quiet=True)[0] == 0  # without --retranslate: the Spanish of the machine's English
    assert (folder / "talk.es.srt").read_text(encoding="utf-8") == spanish

    code, output = say("apply", str(srt), "--retranslate")
    assert code == 0, output
    assert "translating into es (apertium:en>es) from your edited en subtitles" in output
    remade = (folder / "talk.es.srt").read_text(encoding="utf-8")
    assert "nación" in remade and "país" not in remade
    translation = json.loads((folder / "talk.es.json").read_text(encoding="utf-8"))
    assert translation["meta"]["made_from"].startswith("edited:")
    assert any("nation" in s["source"] for s in translation["sentences"])
    assert "nación" in soft_track(folder / "talk.subtitled.mp4", "spa")

    # A Spanish correction is kept over a translation, unless --retranslate-edited sets it aside.
    store = EditStore(folder)
    es = store.current("es")
    assert es is None
    mine = corrected(read_cues(folder / "talk.es.srt", "es"), "nación", "patria")
    store.save("es", mine, store.latest("es"), "mine")
    assert say("apply", str(srt), "--retranslate", quiet=True)[0] == 0
    assert "patria" in (folder / "talk.es.srt").read_text(encoding="utf-8")
    assert record(folder)["edited"] == {"en": 3, "es": 1}
    assert say("apply", str(srt), "--retranslate-edited", quiet=True)[0] == 0
    text = (folder / "talk.es.srt").read_text(encoding="utf-8")
    assert "nación" in text and "patria" not in text
    assert store.current("es") is None and [v.discarded for v in store.versions("es")] == [False, True]

    # Once asked, the translations follow the correction: a later run keeps making them from it.
    monkeypatch.undo()
    assert say("run", str(speech_video), "-o", str(out), *RUN, quiet=True)[0] == 0
    assert "nación" in (folder / "talk.es.srt").read_text(encoding="utf-8")


def test_apply_refuses_a_file_with_no_job(tmp_path: Path):
    subs = tmp_path / "talk.en.srt"
    subs.write_text("1\n00:00:01,000 --> 00:00:02,000\nHello\n", encoding="utf-8")
    code, output = say("apply", str(subs), quiet=True)
    assert code == 2 and "is not in a job folder" in output


def test_a_retranslation_asked_in_the_job_folder_is_followed(out: Path, speech_video: Path, monkeypatch):
    """What the studio's publish does: the ask kept beside the corrections, then a plain run of the job."""
    folder = out / "talk"
    srt = folder / "talk.en.srt"
    srt.write_text(srt.read_text(encoding="utf-8").replace("country", "nation"), encoding="utf-8")
    no_transcription(monkeypatch)
    assert say("apply", str(srt), quiet=True)[0] == 0
    assert "nación" not in (folder / "talk.es.srt").read_text(encoding="utf-8")
    store = EditStore(folder)
    store.ask_retranslation("en")
    assert store.retranslation_asked("en") and store.languages() == ["en"]
    assert say("apply", str(srt), quiet=True)[0] == 0  # no flag: the ask in the folder is enough
    assert "nación" in (folder / "talk.es.srt").read_text(encoding="utf-8")
    store.discard("en")
    assert not store.retranslation_asked("en")


# Copies for other presets (`apply --also`): one correction, several networks, one transcript


@pytest.mark.slow
@needs_apertium
def test_apply_also_makes_a_copy_for_another_preset_from_the_same_transcript(out: Path, monkeypatch):
    folder = out / "talk"
    srt = folder / "talk.en.srt"
    srt.write_text(srt.read_text(encoding="utf-8").replace("Americans", "citizens"), encoding="utf-8")
    no_transcription(monkeypatch)
    code, output = say("apply", str(srt), "--also", "nowhere-such-preset", quiet=True)
    assert code == 2 and not (folder / "nowhere-such-preset").exists()  # a bad preset fails before any work
    assert EditStore(folder).latest("en") == 0

    code, output = say("apply", str(srt), "--also", "youtube")
    assert code == 0, output
    copy = folder / "youtube"
    assert "talk: the youtube copy follows your en corrections (cut again by its rules)" in output
    assert re.search(r"copy    for youtube: re-made .*talk\.en\.srt.*talk\.subtitled\.mp4", output), output
    assert "citizens" in (copy / "talk.en.srt").read_text(encoding="utf-8")
    assert "citizens" in soft_track(copy / "talk.subtitled.mp4", "eng")
    assert soft_track(copy / "talk.subtitled.mp4", "spa").strip()  # the Spanish, kept from the job's translation
    job = record(copy)
    assert {"transcribe", "translate:es"} <= set(job["reused"]) and job["preset"] == "youtube"
    assert not list(copy.glob("*.burned.*")), "YouTube's preset burns nothing: the job's burn is not the copy's"
    assert job["options"]["cues"]["max_cps"] == 20.0  # YouTube's rules, not the job's
    (version,) = EditStore(copy).versions("en")
    assert version.follows == "talk, version 1" and version.author == ""
    review = json.loads((copy / "talk.review.json").read_text(encoding="utf-8"))["languages"]["en"]
    assert review["summary"]["reading_speed"] == 0 and review["summary"]["overlap"] == 0  # its own check, its own rules

    # A later correction: the copy follows it without --also; one saved in the copy itself is kept, and said.
    srt.write_text(srt.read_text(encoding="utf-8").replace("citizens", "friends"), encoding="utf-8")
    code, output = say("apply", str(srt))
    assert code == 0, output
    assert "friends" in (copy / "talk.en.srt").read_text(encoding="utf-8")
    assert [v.follows for v in EditStore(copy).versions("en")] == ["talk, version 1", "talk, version 2"]
    store = EditStore(copy)
    mine = corrected(store.current("en").cues, "friends", "neighbours")
    store.save("en", mine, store.latest("en"), "the YouTube copy's own")
    srt.write_text(srt.read_text(encoding="utf-8").replace("friends", "people"), encoding="utf-8")
    code, output = say("apply", str(srt))
    assert code == 0, output
    assert "kept the en corrections saved in the youtube copy itself (version 3): not replaced by the job's" in output
    assert "neighbours" in (copy / "talk.en.srt").read_text(encoding="utf-8")
    assert "people" in (folder / "talk.en.srt").read_text(encoding="utf-8")


def test_a_copy_follows_the_cues_as_they_are_where_its_rules_are_the_jobs(tmp_path: Path):
    """No run: the store, the seed and the following on folders made by hand."""
    job, copy = tmp_path / "talk", tmp_path / "talk" / "shorts"
    job.mkdir()
    (job / "talk.json").write_text('{"made": "by Whisper"}', encoding="utf-8")
    (job / "talk.es.json").write_text('{"made": "by Apertium"}', encoding="utf-8")
    outputs = {"transcript": {"path": "talk.json", "digest": "t1"}, "translation:es": {"path": "talk.es.json", "digest": "e1"},
               "srt:en": {"path": "talk.en.srt", "digest": "s1"}}  # fmt: skip
    (job / "job.json").write_text(json.dumps({"outputs": outputs}), encoding="utf-8")
    assert seed_copy(job, "talk", copy, "talk")
    assert json.loads((copy / "job.json").read_text(encoding="utf-8"))["outputs"] == {
        "transcript": {"path": "talk.json", "digest": "t1"}, "translation:es": {"path": "talk.es.json", "digest": "e1"},
    }  # fmt: skip
    assert (copy / "talk.es.json").read_text(encoding="utf-8") == '{"made": "by Apertium"}'
    assert not seed_copy(job, "talk", copy, "talk"), "a copy that ran keeps its own job.json"

    EditStore(job).save("en", HELLO, None)
    (same,) = follow_corrections(job, copy, None, 10.0, "en", "talk")
    assert same == Followed("en", 1, True) and EditStore(copy).current("en").cues == HELLO  # as they are
    assert follow_corrections(job, copy, None, 10.0, "en", "talk") == [Followed("en", 1, False)]  # nothing new
    narrow = dataclasses.replace(load_options().cues, max_chars_per_line=12, max_lines=1)
    (cut,) = follow_corrections(job, copy, narrow, 10.0, "en", "talk")
    assert cut == Followed("en", 2, True, recut=True)
    cues = EditStore(copy).current("en").cues
    assert [c.text for c in cues] == ["Hello there,", "my friends."]  # every word, cut by the copy's rules
    assert [w.start for c in cues for w in c.words] == [w.start for w in HELLO[0].words]  # when each is said

    EditStore(job).discard("en")  # the job back to the machine's subtitles: the copy too, the history kept
    assert follow_corrections(job, copy, narrow, 10.0, "en", "talk") == [Followed("en", 0, True)]
    assert EditStore(copy).current("en") is None and len(EditStore(copy).versions("en")) == 3

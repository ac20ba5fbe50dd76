"""Subtitles in several languages from one run, with real engines: Whisper, Apertium, and Argos on a
package a fixture builds (its output is random words: those tests check plumbing, not quality)."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import av
import pytest

from subtitler.adapters import apertium, whisper
from subtitler.adapters import argos as argos_adapter
from subtitler.cues import Rule, cue_violations
from subtitler.formats import parse
from subtitler.options import load_options

from .conftest import AUDIO, invoke, needs, words_of
from .tiny_argos import build_package

pytestmark = pytest.mark.slow
OPTIONS = load_options().cues
needs_apertium = needs(
    {("en", "es"), ("en", "ca"), ("fr", "es")} <= set(apertium.modes()),
    "Apertium with the eng-spa, eng-cat and fr-es pairs is not installed (examples/setup.sh installs them)",
)


def job_json(folder: Path) -> dict:
    return json.loads((folder / "job.json").read_text(encoding="utf-8"))


def cues_of(path: Path) -> list[tuple[float, float, str]]:
    return parse(path.read_text(encoding="utf-8"), path.suffix[1:])


def assert_cues_follow_the_rules(path: Path) -> None:
    """Every cue: lines within the preset's limits, in order, never overlapping, min_gap apart."""
    from subtitler.model import Cue

    cues = [Cue(start, end, tuple(text.split("\n"))) for start, end, text in cues_of(path)]
    assert cues
    for cue in cues:
        assert not [p for p in cue_violations(cue, OPTIONS) if p.rule in (Rule.LINES, Rule.CHARS_PER_LINE)], cue
        assert cue.end > cue.start
    for a, b in itertools.pairwise(cues):
        assert a.end <= b.start - OPTIONS.min_gap + 1e-3, (a, b)


def test_whisper_translates_french_speech_into_english(tmp_path: Path, shared: Path):
    code, output = invoke("run", str(AUDIO / "fr/sous_le_consulat.wav"), "-o", str(tmp_path), "--to", "en")
    assert code == 0, output
    folder = tmp_path / "sous_le_consulat"
    english = " ".join(text for _, _, text in cues_of(folder / "sous_le_consulat.en.srt"))
    assert {"consulate", "general"} & set(words_of(english)), english  # "Sous le consulat ... conseiller général"
    assert "consul" in english.lower()
    assert job_json(folder)["translations"] == {"en": {"route": "whisper:fr>en", "kept": False}}
    assert_cues_follow_the_rules(folder / "sous_le_consulat.en.srt")
    assert (folder / "sous_le_consulat.fr.srt").is_file()  # the spoken language's subtitles are always written


@needs_apertium
def test_whisper_then_apertium_pivot_through_english(tmp_path: Path, shared: Path, monkeypatch):
    """German speech into Spanish: no German pair is installed, so Whisper hears it into English and
    Apertium goes on; English is a target too, and Whisper decodes the audio once for both."""
    calls = []
    real = whisper.translate
    monkeypatch.setattr(whisper, "translate", lambda *args, **kwargs: calls.append(1) or real(*args, **kwargs))
    german = AUDIO / "de/leichenhalle.wav"  # "Der hinter diesem Portal liegenden Raum wurde als Leichenhalle genutzt."
    code, output = invoke("run", str(german), "-o", str(tmp_path), "--language", "de", "--to", "es,en")
    assert code == 0, output
    folder = tmp_path / "leichenhalle"
    assert job_json(folder)["translations"] == {
        "es": {"route": "whisper:de>en, apertium:en>es", "kept": False},
        "en": {"route": "whisper:de>en", "kept": False},
    }
    assert len(calls) == 1
    for language in ("en", "es"):
        text = " ".join(t for _, _, t in cues_of(folder / f"leichenhalle.{language}.srt")).lower()
        assert "portal" in text, text
        assert_cues_follow_the_rules(folder / f"leichenhalle.{language}.srt")


@needs_apertium
def test_apertium_makes_spanish_and_catalan_tracks_in_one_run(tmp_path: Path, speech_video: Path):
    code, output = invoke("run", str(speech_video), "-o", str(tmp_path), "--to", "es,ca", "--burn", "ca")
    assert code == 0, output
    folder = tmp_path / "talk"
    assert (folder / "talk.ca.burned.mp4").is_file()  # a translated language can be the burned one
    spanish = " ".join(t for _, _, t in cues_of(folder / "talk.es.srt")).lower()
    catalan = " ".join(t for _, _, t in cues_of(folder / "talk.ca.srt")).lower()
    assert "país" in spanish and "americanos" in spanish, spanish  # "your country", "Americans"
    assert "país" in catalan and "americans" in catalan, catalan
    for language in ("en", "es", "ca"):
        assert_cues_follow_the_rules(folder / f"talk.{language}.srt")
        assert_cues_follow_the_rules(folder / f"talk.{language}.vtt")
    with av.open(str(folder / "talk.subtitled.mp4")) as container:
        tracks = [(s.codec_context.name, s.metadata.get("language")) for s in container.streams.subtitles]
    assert tracks == [("mov_text", "eng"), ("mov_text", "spa"), ("mov_text", "cat")]
    assert job_json(folder)["translations"]["ca"]["route"] == "apertium:en>ca"


@needs_apertium  # Spanish is reached through Apertium: without it, Spanish would be the missing pair
def test_a_missing_pair_fails_before_any_work(tmp_path: Path, speech_video: Path):
    out = tmp_path / "out"
    code, output = invoke("run", str(speech_video), "-o", str(out), "--language", "en", "--to", "es,de")
    assert code == 2
    assert "English (en) into German (de)" in output and "argos:en-de" in output
    assert len(output.strip().splitlines()) == 1
    assert not out.exists()  # nothing written
    code, output = invoke("run", str(speech_video), "-o", str(out), "--to", "de")  # spoken language not known yet
    assert code == 2 and "into German (de)" in output
    assert not out.exists()


@needs_apertium
def test_one_more_language_later_costs_only_its_translation(tmp_path: Path, shared: Path):
    jfk = AUDIO / "en/jfk.flac"
    assert invoke("run", str(jfk), "-o", str(tmp_path), "--to", "es")[0] == 0
    folder = tmp_path / "jfk"
    spanish = folder / "jfk.es.srt"
    first = spanish.stat().st_mtime_ns
    assert invoke("run", str(jfk), "-o", str(tmp_path), "--to", "es,ca")[0] == 0
    record = job_json(folder)
    assert "transcribe" in record["reused"] and "translate:es" in record["reused"]
    assert "translate:ca" not in record["reused"]
    assert record["translations"]["ca"] == {"route": "apertium:en>ca", "kept": False}
    assert spanish.stat().st_mtime_ns == first  # kept as it was
    assert (folder / "jfk.ca.srt").is_file()


@needs_apertium
def test_glossary_terms_come_out_as_written(tmp_path: Path, shared: Path):
    terms = tmp_path / "terms.toml"
    terms.write_text('"Americans" = { es = "Estadounidenses" }\n"fellow" = {}\n', encoding="utf-8")
    code, output = invoke("run", str(AUDIO / "en/jfk.flac"), "-o", str(tmp_path), "--to", "es", "--glossary", str(terms))
    assert code == 0, output
    spanish = " ".join(t for _, _, t in cues_of(tmp_path / "jfk/jfk.es.srt"))
    assert "Estadounidenses" in spanish and "fellow" in spanish, spanish
    record = job_json(tmp_path / "jfk")
    assert record["glossary"] == ["Americans", "fellow"]
    assert "Americans" in record["options"]["transcribe"]["hotwords"]  # Whisper was told to expect them


def test_glossary_terms_are_whisper_hotwords(tmp_path: Path, shared: Path):
    """faster-whisper's own hotwords clip: "ComfyUI" is heard only when Whisper expects it."""
    terms = tmp_path / "terms.csv"
    terms.write_text("ComfyUI\n", encoding="utf-8")
    clip = AUDIO / "en/hotwords_comfyui.mp3"
    code, output = invoke("run", str(clip), "-o", str(tmp_path), "--language", "en", "--glossary", str(terms))
    assert code == 0, output
    assert "ComfyUI" in (tmp_path / "hotwords_comfyui/hotwords_comfyui.en.txt").read_text(encoding="utf-8")


@pytest.fixture
def argos_pairs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Packages de->en and en->it, built from nothing and installed with the real command."""
    store = tmp_path_factory.mktemp("argos")
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(store))
    for seed, (source, target) in enumerate([("de", "en"), ("en", "it")]):
        archive = build_package(tmp_path_factory.mktemp("build"), source, target, seed=seed)
        assert invoke("models", "install", str(archive))[0] == 0
    return store


def test_argos_pivots_through_english_with_one_batch_per_hop(tmp_path: Path, shared: Path, argos_pairs: Path, monkeypatch):
    calls: list[int] = []
    real = argos_adapter.translate

    def counted(package, texts, *args, **kwargs):  # the real engine, counted
        calls.append(len(texts))
        return real(package, texts, *args, **kwargs)

    monkeypatch.setattr(argos_adapter, "translate", counted)
    german = AUDIO / "de/leichenhalle.wav"
    code, output = invoke("run", str(german), "-o", str(tmp_path), "--language", "de", "--to", "en,it", "--engine", "argos")
    assert code == 0, output
    folder = tmp_path / "leichenhalle"
    record = job_json(folder)
    assert record["translations"]["it"]["route"] == "argos:de>en, argos:en>it"
    assert record["translations"]["en"]["route"] == "argos:de>en"
    assert len(calls) == 2  # German to English once (shared by both targets), then English to Italian
    sentences = json.loads((folder / "leichenhalle.it.json").read_text(encoding="utf-8"))["sentences"]
    assert calls == [len(sentences), len(sentences)]
    assert all(s["text"].strip() for s in sentences)
    for language in ("de", "en", "it"):
        assert_cues_follow_the_rules(folder / f"leichenhalle.{language}.srt")
    italian = " ".join(t for _, _, t in cues_of(folder / "leichenhalle.it.srt"))
    assert " ".join(italian.split()) == " ".join(" ".join(s["text"] for s in sentences).split())  # every word, in order


def test_hostile_argos_package_is_refused_by_the_command(tmp_path: Path, monkeypatch):
    import zipfile

    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(tmp_path / "store"))
    evil = tmp_path / "evil.argosmodel"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("pkg/metadata.json", '{"from_code": "en", "to_code": "es"}')
        archive.writestr("pkg/../../escaped.txt", "gotcha")
    code, output = invoke("models", "install", str(evil))
    assert code == 2 and output.startswith("error: ") and len(output.strip().splitlines()) == 1
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path / "store").exists()


@needs_apertium
def test_languages_lists_engines_and_routes():
    code, output = invoke("languages")
    assert code == 0
    assert "en>es" in output and "any of 100 spoken languages -> en" in output
    code, output = invoke("languages", "--from", "fr")
    assert "whisper:fr>en" in output and "apertium:fr>es" in output


def test_no_speech_gives_empty_subtitles_in_every_language(tmp_path: Path, shared: Path):
    silence = tmp_path / "silence.wav"
    shutil.copy(AUDIO / "edge/empty_noise_8s.wav", silence)
    code, output = invoke("run", str(silence), "-o", str(tmp_path / "out"), "--to", "en", "--language", "fr")
    assert code == 0, output
    assert cues_of(tmp_path / "out/silence/silence.en.srt") == []


# -- partial success: one language that cannot be made costs only its own outputs ---------------------------
@needs_apertium
def test_a_language_the_speech_cannot_reach_costs_only_its_own_outputs(tmp_path: Path, speech_video: Path):
    """French is a target some language reaches here (Apertium es>fr, ca>fr), so the run starts; once English is
    detected nothing translates it into French: Spanish, English and the soft copy are written, French and its
    burn are named, and the exit code is 1."""
    out = tmp_path / "out"
    code, output = invoke("run", str(speech_video), "-o", str(out), "--to", "es,fr", "--burn", "fr")
    assert code == 1, output
    line = next(ln for ln in output.splitlines() if ln.startswith("done*"))
    assert "talk.mp4" in line and "not translated: fr (no engine here translates English (en) into French (fr)" in line
    assert line.endswith("not burned: fr (no fr subtitles to burn)"), line
    assert "1 of 1 done (1 with outputs missing: done*), 0 failed" in output
    folder = out / "talk"
    record = job_json(folder)
    assert list(record["problems"]) == ["translation:fr", "burned:fr"]
    assert record["problems"]["translation:fr"].startswith("no engine here translates English (en) into French (fr)")
    assert record["translations"] == {"es": {"route": "apertium:en>es", "kept": False}}
    assert (folder / "talk.en.srt").is_file() and (folder / "talk.es.srt").is_file()
    assert not list(folder.glob("talk.fr.*")) and not list(folder.glob("*.burned.mp4"))
    with av.open(str(folder / "talk.subtitled.mp4")) as container:
        assert [s.metadata.get("language") for s in container.streams.subtitles] == ["eng", "spa"]
    assert (folder / "talk.review.json").is_file()

    # Burning a language that was made: the burned copy is written, only French is missing.
    code, output = invoke("run", str(speech_video), "-o", str(out), "--to", "es,fr", "--burn", "es")
    assert code == 1, output
    assert (folder / "talk.es.burned.mp4").stat().st_size > 10_000
    record = job_json(folder)
    assert list(record["problems"]) == ["translation:fr"] and "burned:es" in record["outputs"]
    assert "transcribe" in record["reused"] and "translate:es" in record["reused"]  # the work done before is kept


@needs_apertium
def test_an_engine_failing_on_one_language_leaves_the_others_and_the_api_says_so(tmp_path: Path, shared: Path,
                                                                                 monkeypatch: pytest.MonkeyPatch):  # fmt: skip
    """An installed Argos package whose model is damaged fails when it loads: Italian is missing, Spanish
    (Apertium) and English are written, and the Python API reports a partial Result."""
    import subtitler

    store = tmp_path / "argos"
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(store))
    assert invoke("models", "install", str(build_package(tmp_path / "build", "en", "it")))[0] == 0
    model = next(store.glob("*/model/model.bin"))
    model.write_bytes(b"not a CTranslate2 model")
    options = {"transcribe": {"language": "en"}, "translate": {"to": ["es", "it"]}, "output": {"formats": ["srt"]}}
    [result] = subtitler.run_many([AUDIO / "en/jfk.flac"], tmp_path / "out", options=options)
    assert result.ok and result.partial and not result.error
    assert list(result.problems) == ["translation:it"]
    assert result.problems["translation:it"].startswith("cannot load the Argos package")
    folder = tmp_path / "out/jfk"
    assert result.job is not None and set(result.job.cues) == {"en", "es"}
    assert (folder / "jfk.es.srt").is_file() and not (folder / "jfk.it.srt").exists()
    assert job_json(folder)["problems"] == result.problems
    job = subtitler.run(AUDIO / "en/jfk.flac", tmp_path / "out", options=options)  # a partial job is returned
    assert list(job.problems) == ["translation:it"]
    assert "translate:es" in job.reused

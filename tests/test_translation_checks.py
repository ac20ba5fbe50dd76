"""Translation checks: the words an engine left untranslated, listed per cue, and paired marks (`¿...?`,
quotes) kept whole in every cue (issue 14, item 5)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from subtitler.adapters import apertium
from subtitler.cues import make_cues
from subtitler.engines import ENGINES
from subtitler.engines.engine import unchanged_words
from subtitler.marks import balance_marks
from subtitler.model import Cue, Word
from subtitler.options import load_options

from .conftest import AUDIO, invoke


def test_apertium_lists_the_french_words_it_does_not_know_and_strips_its_marks():
    raw = apertium.translate_marked("fr", "es", ["Il aime la tablette tactile avec son inicoleur."])[0]
    assert "*inicoleur" in raw
    text, words = ENGINES["apertium"].untranslated("fr", "es", "", raw)
    assert {"tactile", "inicoleur"} <= set(words)
    assert "*" not in text and "inicoleur" in text
    assert apertium.translate("fr", "es", ["Il aime la tablette tactile."]) == [apertium.unmark(
        apertium.translate_marked("fr", "es", ["Il aime la tablette tactile."])[0])[0]]  # fmt: skip


def test_unmark_leaves_other_stars_and_hashes_alone():
    assert apertium.unmark("C# y toto@x.fr, *profite y #venir") == ("C# y toto@x.fr, profite y venir", ("profite", "venir"))


def test_argos_heuristic_lists_lowercase_source_words_left_in_the_output():
    source = "Il profite de la tablette tactile à Paris en 2024 avec ⟦0⟧."
    output = "Él profite de la tableta tactile en Paris en 2024 con ⟦0⟧."
    assert unchanged_words("fr", "es", source, output) == (output, ("profite", "tactile"))
    assert unchanged_words("fr", "es", "Le chat", "El gato") == ("El gato", ())
    assert ENGINES["argos"].untranslated is unchanged_words


def test_a_question_cut_in_two_cues_is_closed_and_reopened():
    cues = [Cue(0, 1, ("Hola. ¿Dice de otro", "lado,")), Cue(1, 2, ("o de este?",)), Cue(2, 3, ("Y ¿nada?",))]
    out = balance_marks(cues, "es")
    assert [c.lines for c in out] == [("Hola. ¿Dice de otro", "lado?"), ("¿o de este?",), ("Y ¿nada?",)]
    nested = balance_marks([Cue(0, 1, ("«Sí, ¡claro",)), Cue(1, 2, ("que sí!» dijo",))], "es")
    assert [c.lines for c in nested] == [("«Sí, ¡claro!»",), ("«¡que sí!» dijo",)]
    assert balance_marks([Cue(0, 1, ("¿Nunca cerrada",)), Cue(1, 2, ("así.",))], "es")[1].lines == ("así.",)


def _words(text: str, seconds: float = 0.4) -> list[Word]:
    return [Word(k * seconds, (k + 1) * seconds, f" {w}") for k, w in enumerate(text.split())]


def test_a_real_apertium_question_in_quotes_cut_by_a_narrow_preset_is_balanced_in_every_cue():
    english = 'He asked: "Where are you going with all these people tonight?" and left.'
    spanish = apertium.translate("en", "es", [english])[0]
    assert spanish.count('"') == 2  # Apertium writes no ¿: the quotes are the span here
    narrow = dataclasses.replace(load_options().cues, max_chars_per_line=20, max_lines=1)
    cues = make_cues(_words(spanish), narrow, None, "es")
    spans = [k for k, cue in enumerate(cues) if '"' in cue.text]
    assert spans[-1] > spans[0]  # the quote is cut across cues
    for cue in balance_marks(cues, "es"):
        assert cue.text.count('"') % 2 == 0, cue.text
        assert cue.words[0].text.strip()[0] == cue.text[0] and cue.words[-1].text.strip()[-1] == cue.text[-1]


def test_the_review_report_lists_untranslated_words_per_cue(tmp_path: Path):
    code, output = invoke("run", str(AUDIO / "en/jfk.flac"), "-o", str(tmp_path), "--to", "es")
    assert code == 0, output
    folder = tmp_path / "jfk"
    sentences = json.loads((folder / "jfk.es.json").read_text(encoding="utf-8"))["sentences"]
    assert all(isinstance(s["untranslated"], list) for s in sentences)
    report = json.loads((folder / "jfk.review.json").read_text(encoding="utf-8"))
    spanish = report["languages"]["es"]
    texts = {cue["number"]: cue["text"] for cue in spanish["cues"]}
    listed = [(item["cue"], word) for item in spanish["untranslated"] for word in item["words"]]
    assert {word for _, word in listed} == {word for s in sentences for word in s["untranslated"]}
    assert all(word in texts[cue] for cue, word in listed)
    assert "untranslated" not in report["languages"]["en"]  # the spoken language was not translated

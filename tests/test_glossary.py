"""Glossaries: reading TOML and CSV, hiding terms from engines, spelling them as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from subtitler import glossary
from subtitler.errors import UsageError
from subtitler.model import Word

TOML = """
"ComfyUI" = {}
"Hospitality School" = { fr = "École hôtelière", Spanish = "Escuela de Hostelería" }
"""


def test_toml_and_csv_give_the_same_glossary(tmp_path: Path) -> None:
    (tmp_path / "terms.toml").write_text(TOML, encoding="utf-8")
    (tmp_path / "terms.csv").write_text(
        "term,fr,es\nComfyUI,,\nHospitality School,École hôtelière,Escuela de Hostelería\n", encoding="utf-8"
    )
    from_toml = glossary.load(tmp_path / "terms.toml")
    assert from_toml == glossary.load(tmp_path / "terms.csv")
    assert from_toml.hotwords() == "ComfyUI, Hospitality School"
    assert from_toml.terms[1].rendering("es") == "Escuela de Hostelería"
    assert from_toml.terms[1].rendering("de") == "Hospitality School"
    (tmp_path / "plain.csv").write_text("ComfyUI\nAda Lovelace\n", encoding="utf-8")
    assert [t.text for t in glossary.load(tmp_path / "plain.csv").terms] == ["ComfyUI", "Ada Lovelace"]
    assert not glossary.load("")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.toml", "ComfyUI = ", "not valid TOML"),
        ("lang.toml", '"X" = { xx = "y" }', "unknown language code 'xx'"),
        ("value.toml", '"X" = 3', "needs {}"),
        ("missing.csv", None, "cannot read the glossary"),
    ],
)
def test_bad_glossaries_are_usage_errors(tmp_path: Path, name: str, text: str | None, message: str) -> None:
    if text is not None:
        (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=message):
        glossary.load(tmp_path / name)


def test_terms_hide_behind_placeholders_and_come_back_rendered(tmp_path: Path) -> None:
    (tmp_path / "terms.toml").write_text(TOML, encoding="utf-8")
    terms = glossary.load(tmp_path / "terms.toml")
    hidden, found = terms.protect("I study at the hospitality  school and use comfyui daily.")
    assert hidden == "I study at the ⟦0⟧ and use ⟦1⟧ daily."
    assert terms.restore("Estudio en la ⟦ 0 ⟧ y uso ⟦1⟧ cada día.", found, "es") == (
        "Estudio en la Escuela de Hostelería y uso ComfyUI cada día.",
        [],
    )
    assert terms.restore("Estudio y uso ⟦1⟧.", found, "es") == ("Estudio y uso ComfyUI.", ["Hospitality School"])
    assert terms.protect("no terms here") == ("no terms here", ())
    assert terms.protect("ComfyUIs are not ComfyUI")[0] == "ComfyUIs are not ⟦0⟧"  # whole words only


def test_terms_are_spelled_as_written(tmp_path: Path) -> None:
    (tmp_path / "terms.toml").write_text(TOML, encoding="utf-8")
    terms = glossary.load(tmp_path / "terms.toml")
    assert terms.respell("we love COMFYUI at the hospitality school", "en") == "we love ComfyUI at the Hospitality School"
    words = [Word(0, 1, " the"), Word(1, 2, " hospitality"), Word(2, 3, " school,"), Word(3, 4, " comfyui.")]
    assert [w.text for w in terms.respell_words(words)] == [" the", " Hospitality", " School,", " ComfyUI."]


def test_merged_glossaries_let_the_second_win() -> None:
    first = glossary.Glossary((glossary.Term("ComfyUI"), glossary.Term("EHL", (("fr", "École hôtelière"),))))
    second = glossary.Glossary((glossary.Term("ehl"),))
    assert [t.text for t in first.merged(second).terms] == ["ComfyUI", "ehl"]


@pytest.mark.slow
def test_a_jobs_own_glossary_is_used_by_the_next_run(tmp_path: Path, shared: Path, base_model) -> None:
    """glossary.toml in a job's folder (the studio's editor writes it): the next run spells the term as written."""
    import json

    from .conftest import AUDIO, invoke

    out = tmp_path / "out"
    args = ("run", str(AUDIO / "en" / "jfk.flac"), "-o", str(out), "--language", "en", "--format", "srt")
    assert invoke(*args)[0] == 0
    srt = out / "jfk" / "jfk.en.srt"
    assert "AMERICANS" not in srt.read_text(encoding="utf-8")
    (out / "jfk" / glossary.JOB_FILE).write_text('"AMERICANS" = {}\n', encoding="utf-8")
    code, output = invoke(*args)
    assert code == 0, output
    assert "AMERICANS" in srt.read_text(encoding="utf-8")
    assert "transcribe" in json.loads((out / "jfk" / "job.json").read_text(encoding="utf-8"))["reused"]

from __future__ import annotations

import re

import pytest
from faster_whisper.tokenizer import _LANGUAGE_CODES

from subtitler import languages
from subtitler.languages import LANGUAGES, Language, get, iso639_2, normalize

# Languages whose ISO 639-2 codes are shared with another entry, on purpose (see the module's comment).
SHARED_ISO = {"yue": "zh"}


def test_table_covers_exactly_whisper_languages() -> None:
    assert set(LANGUAGES) == set(_LANGUAGE_CODES)
    assert len(LANGUAGES) == len(_LANGUAGE_CODES)


def test_entries_are_consistent() -> None:
    for code, lang in LANGUAGES.items():
        assert isinstance(lang, Language)
        assert lang.code == code
        assert lang.name and lang.native
        assert lang.name == lang.name.strip() and lang.native == lang.native.strip()
        assert "|" not in lang.name + lang.native


def test_iso639_2_codes_are_three_lowercase_letters() -> None:
    for lang in LANGUAGES.values():
        assert re.fullmatch(r"[a-z]{3}", lang.iso639_2t), lang
        assert re.fullmatch(r"[a-z]{3}", lang.iso639_2b), lang


def test_iso639_2_codes_are_unique_except_documented() -> None:
    # Every ISO 639-2 code (T or B) belongs to one language, or to one documented group ({"zh", "yue"}).
    for code, lang in LANGUAGES.items():
        group = next((set(pair) for pair in SHARED_ISO.items() if code in pair), {code})
        for iso in (lang.iso639_2t, lang.iso639_2b):
            owners = {x.code for x in LANGUAGES.values() if iso in (x.iso639_2t, x.iso639_2b)}
            assert owners == group, (iso, owners)


def test_terminology_and_bibliographic_differ_for_the_known_twenty() -> None:
    differing = {code for code, lang in LANGUAGES.items() if lang.iso639_2t != lang.iso639_2b}
    assert differing == {
        "fr", "de", "zh", "cs", "nl", "el", "fa", "ro", "sk", "is",
        "mk", "ms", "mi", "my", "sq", "hy", "eu", "ka", "bo", "cy", "yue",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("code", "t", "b"),
    [
        ("fr", "fra", "fre"),
        ("de", "deu", "ger"),
        ("en", "eng", "eng"),
        ("es", "spa", "spa"),
        ("ca", "cat", "cat"),
        ("zh", "zho", "chi"),
        ("yue", "zho", "chi"),
        ("jw", "jav", "jav"),
        ("haw", "haw", "haw"),
        ("cy", "cym", "wel"),
        ("my", "mya", "bur"),
    ],
)
def test_known_pairs(code: str, t: str, b: str) -> None:
    assert iso639_2(code) == t
    assert iso639_2(code, bibliographic=True) == b
    assert LANGUAGES[code].iso639_2t == t
    assert LANGUAGES[code].iso639_2b == b


def test_names() -> None:
    assert get("fr") == Language("fr", "French", "Français", "fra", "fre")
    assert get("yue").name == "Cantonese"
    assert get("jw").name == "Javanese"
    assert get("haw").name == "Hawaiian"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("fr", "fr"),
        ("FR", "fr"),
        (" fr ", "fr"),
        ("fra", "fr"),
        ("fre", "fr"),
        ("FRE", "fr"),
        ("French", "fr"),
        ("french", "fr"),
        ("Français", "fr"),
        ("pt-BR", "pt"),
        ("pt_BR", "pt"),
        ("en-US", "en"),
        ("zh-Hant-TW", "zh"),
        ("zho", "zh"),
        ("chi", "zh"),
        ("yue", "yue"),
        ("Cantonese", "yue"),
        ("jw", "jw"),
        ("jv", "jw"),
        ("jav", "jw"),
        ("Javanese", "jw"),
        ("haw", "haw"),
        ("ger", "de"),
        ("Deutsch", "de"),
        ("Haitian Creole", "ht"),
        ("Castilian", "es"),
        ("iw", "he"),
    ],
)
def test_normalize_variants(given: str, expected: str) -> None:
    assert normalize(given) == expected


def test_every_code_and_name_normalizes_to_itself() -> None:
    for code, lang in LANGUAGES.items():
        assert normalize(code) == code
        assert normalize(code.upper()) == code
        assert normalize(lang.name) == code
        assert normalize(lang.name.upper()) == code
        assert normalize(lang.native) == code
        if code not in SHARED_ISO:
            assert normalize(lang.iso639_2t) == code
            assert normalize(lang.iso639_2b) == code


def test_names_do_not_collide_across_languages() -> None:
    owners: dict[str, set[str]] = {}
    for lang in LANGUAGES.values():
        for key in (lang.name.casefold(), lang.native.casefold()):
            owners.setdefault(key, set()).add(lang.code)
    assert {key: codes for key, codes in owners.items() if len(codes) > 1} == {}


def test_aliases_point_at_known_languages() -> None:
    for alias, code in languages._ALIASES.items():
        assert code in LANGUAGES, alias
        assert normalize(alias) == code


@pytest.mark.parametrize("bad", ["xx", "", "   ", "-", "xx-YY", "Klingon", "auto"])
def test_normalize_rejects_unknown(bad: str) -> None:
    with pytest.raises(ValueError, match="unknown language code"):
        normalize(bad)


def test_error_message_is_helpful_and_short() -> None:
    with pytest.raises(ValueError) as excinfo:
        get("xx")
    message = str(excinfo.value)
    assert message.startswith("unknown language code 'xx';")
    assert "'en'" in message
    assert len(message) < 200

    with pytest.raises(ValueError, match=r"did you mean 'fr' \(French\)"):
        get("frnch")


def test_iso639_2_rejects_unknown() -> None:
    with pytest.raises(ValueError):
        iso639_2("xx")
    with pytest.raises(ValueError):
        iso639_2("xx", bibliographic=True)

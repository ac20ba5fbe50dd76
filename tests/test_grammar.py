"""Where lines may break, per language (subtitler/grammar/*.toml), on inline reference text."""

from __future__ import annotations

import pytest

from subtitler import grammar
from subtitler.cues import break_lines
from subtitler.options import load_options

OPTIONS = load_options().cues


def tokens(text: str) -> list[str]:
    return [" " + t for t in text.split()]


def test_every_language_file_loads_with_its_word_classes() -> None:
    assert set(grammar.LANGUAGES) >= {"en", "fr", "es", "de", "it", "pt", "ca"}
    for language in grammar.LANGUAGES:
        rules = grammar.for_language(language)
        assert rules.language == language
        assert {"article", "preposition", "conjunction"} <= set(rules.binds_next.values()), language
        assert rules.opening and rules.units and rules.number_words, language
        assert rules.opening <= set(rules.binds_next)  # a word that opens a line also binds to the next one
    assert grammar.for_language("fr") is grammar.for_language("FR-ca") is grammar.for_language("fr_FR")  # loaded once


@pytest.mark.parametrize(
    ("language", "text", "lines"),
    [
        # Each time, the earlier list of function words broke after the word that binds: "I", "90", "should".
        (
            "en",
            "Every morning at seven I take the dog out for a walk",
            ("Every morning at seven", "I take the dog out for a walk"),
        ),
        (
            "en",
            "The concert lasted exactly 90 minutes and everybody loved it",
            ("The concert lasted exactly 90 minutes", "and everybody loved it"),
        ),
        (
            "en",
            "I really think that we should not wait any longer for them",
            ("I really think that we should not wait", "any longer for them"),
        ),
        # "ne" before its verb, "90" before its unit.
        (
            "fr",
            "Je pense vraiment que nous ne devons pas attendre plus longtemps",
            ("Je pense vraiment que nous", "ne devons pas attendre plus longtemps"),
        ),
        (
            "fr",
            "Le concert a duré exactement 90 minutes et tout le monde a adoré",
            ("Le concert a duré exactement 90 minutes", "et tout le monde a adoré"),
        ),
        # Object pronouns before their verb.
        ("es", "Esta mañana mi madre me lo contó todo por teléfono", ("Esta mañana mi madre", "me lo contó todo por teléfono")),
        ("es", "Ayer mi madre me lo contó todo por teléfono", ("Ayer mi madre me lo contó", "todo por teléfono")),
        # A possessive before its noun; a number before its unit.
        (
            "de",
            "Heute Morgen habe ich deine Schwester am Bahnhof gesehen",
            ("Heute Morgen habe ich", "deine Schwester am Bahnhof gesehen"),
        ),
        (
            "de",
            "Gestern haben wir genau 45 Minuten vor dem Museum gewartet",
            ("Gestern haben wir genau", "45 Minuten vor dem Museum gewartet"),
        ),
        # An object pronoun and an auxiliary before the verb.
        (
            "it",
            "Stamattina mia madre mi ha raccontato tutto al telefono",
            ("Stamattina mia madre", "mi ha raccontato tutto al telefono"),
        ),
        (
            "pt",
            "Hoje de manhã minha mãe me contou tudo pelo telefone",
            ("Hoje de manhã minha mãe", "me contou tudo pelo telefone"),
        ),
        (
            "pt",
            "O concerto durou exatamente 90 minutos e todos adoraram muito",
            ("O concerto durou exatamente", "90 minutos e todos adoraram muito"),
        ),
        # "va" and the infinitive of the Catalan past; a possessive before its noun.
        ("ca", "Per sort el meu germà em va dir que no vol venir", ("Per sort el meu germà em va dir", "que no vol venir")),
        (
            "ca",
            "Aquest matí he vist la teva germana a l'estació de tren",
            ("Aquest matí he vist la teva germana", "a l'estació de tren"),
        ),
    ],
)
def test_lines_do_not_end_on_a_word_that_binds_to_the_next(language: str, text: str, lines: tuple[str, ...]) -> None:
    laid = break_lines(tokens(text), OPTIONS, language)
    assert laid == lines
    rules = grammar.for_language(language)
    assert not rules.binds(laid[0].split()[-1], laid[1].split()[0])


@pytest.mark.parametrize(
    ("language", "number", "unit"),
    [
        ("en", "40", "seconds,"),
        ("en", "forty", "seconds"),
        ("en", "3.5", "km"),
        ("en", "2", "million"),
        ("fr", "50", "ans"),
        ("fr", "1,5", "kilomètre"),
        ("es", "45", "minutos."),
        ("de", "45", "Minuten"),
        ("it", "90", "minuti"),
        ("pt", "90", "minutos"),
        ("ca", "45", "minuts"),
    ],
)
def test_a_number_binds_to_its_unit(language: str, number: str, unit: str) -> None:
    rules = grammar.for_language(language)
    assert rules.word_class(" " + number, " " + unit) == "number"
    assert not rules.binds(" " + number + ",", " " + unit)  # "40, seconds": the comma ends the phrase
    assert not rules.binds(" " + unit, " " + number)


def test_a_number_alone_may_end_a_line() -> None:
    rules = grammar.for_language("en")
    assert not rules.binds(" 40", " people")  # only a unit is held to its number
    assert not rules.binds(" 40", "")
    laid = break_lines(tokens("When the time reaches 40 seconds, the screen turns red and then blue"), OPTIONS, "en")
    assert laid == ("When the time reaches 40 seconds,", "the screen turns red and then blue")


def test_word_classes_by_language() -> None:
    en, fr = grammar.for_language("en"), grammar.for_language("fr")
    assert en.word_class(" the", " house") == "article"
    assert en.word_class(" I", " went") == "subject_pronoun"
    assert en.word_class(" is", " going") == "auxiliary"
    assert en.word_class(" not", " clear") == "negation"
    assert en.word_class(" house", " is") is None
    assert en.word_class(" of,", " the") is None  # punctuation ends the phrase
    assert en.word_class(" the.", " end") is None
    assert en.word_class(' "The', " end") == "article"  # opening punctuation is not part of the word
    assert fr.word_class(" je", " me") == "subject_pronoun"
    assert fr.word_class(" me", " l'étais") == "clitic"
    assert fr.word_class(" ne", " sais") == "negation"
    assert fr.word_class(" sais", " pas") == "leaning"  # "pas" leans on its verb: "je ne sais / pas" splits it
    assert fr.word_class(" sais", " pas,") == "leaning"
    assert fr.word_class(" sais.", " Pas") is None
    assert fr.word_class(" pas", " maintenant") is None  # but a line may end on "pas"
    assert fr.word_class(" qu'il", " faut") == "subject_pronoun"  # an elided word binds as its last part
    assert fr.word_class(" c’est", " vrai") == "auxiliary"  # a typographic apostrophe too
    assert fr.word_class(" l'étais", " jamais") == "auxiliary"
    assert fr.word_class(" Mais", " je") == "conjunction"
    assert fr.opens(" mais") and fr.opens(" «dans") and not fr.opens(" je")
    assert not en.binds(" pas", " maintenant") and not en.binds(" je", " me")  # each language its own words


def test_a_language_without_a_file_gets_every_languages_words() -> None:
    anyone = grammar.for_language("")
    assert anyone is grammar.for_language("nl") is grammar.for_language("zz")
    assert anyone.binds(" the", " x") and anyone.binds(" der", " x") and anyone.binds(" je", " x")
    assert anyone.word_class(" 40", " seconds") == anyone.word_class(" 40", " Minuten") == "number"
    assert not anyone.binds(" 我们", " 今天")  # Chinese and Japanese words match no list: lines break by width

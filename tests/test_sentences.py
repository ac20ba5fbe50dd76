"""Sentences for translation and translated text timed back onto the speech (pure, inline text)."""

from __future__ import annotations

import itertools
import random

import pytest

from subtitler.cues import clean_words, make_cues
from subtitler.model import Sentence, Word
from subtitler.options import load_options
from subtitler.sentences import anchors_for, split_sentences, spread, target_words, timed_words

from .cue_rules import check_invariants
from .test_cues import generated_words, words_from

OPTIONS = load_options().cues


def test_sentences_end_at_full_stops_and_long_pauses() -> None:
    words = words_from("Hello there. How are you?") + words_from("Fine thanks", start=10.0)
    sentences = split_sentences(words, max_pause=1.2, max_chars=300)
    assert [s.text for s in sentences] == ["Hello there.", "How are you?", "Fine thanks"]
    assert sentences[0].start == words[0].start and sentences[0].end == words[1].end
    assert sentences[2].start == 10.0


def test_a_long_sentence_is_cut_after_its_last_clause() -> None:
    words = words_from("one two three, four five six seven eight nine ten")
    sentences = split_sentences(words, max_pause=1.2, max_chars=40)
    assert [s.text for s in sentences] == ["one two three,", "four five six seven eight nine ten"]


def test_unspaced_languages_are_cut_between_characters() -> None:
    assert target_words("你好，世界。", "zh") == ["你", "好", "，", "世", "界", "。"]
    assert target_words("Hola  mundo", "es") == [" Hola", " mundo"]


def test_spread_follows_the_speech_and_keeps_pauses() -> None:
    # Two source words with a second of silence between them; the translation has two words too.
    anchors = [Word(0.0, 1.0, " aaaa"), Word(2.0, 3.0, " bbbb")]
    timed = spread(Sentence(0.0, 3.0, "xxxx yyyy"), anchors, "es")
    assert [(w.start, w.end) for w in timed] == [(0.0, 1.0), (2.0, 3.0)]
    # A longer first word takes a larger share of the speech.
    timed = spread(Sentence(0.0, 3.0, "xxxxxx yy"), anchors, "es")
    assert timed[0].end == pytest.approx(2.5) and timed[1].start == pytest.approx(2.5)
    assert all(a.end <= b.start for a, b in itertools.pairwise(timed))


def test_spread_without_anchors_shares_the_span_evenly() -> None:
    timed = spread(Sentence(4.0, 6.0, "uno dos"), [], "es")
    assert [(w.start, w.end) for w in timed] == [(4.0, 5.0), (5.0, 6.0)]


def test_anchors_are_the_words_inside_the_span() -> None:
    words = words_from("a b c d e", word_s=1.0)
    assert [w.text for w in anchors_for(Sentence(1.0, 3.0, ""), words)] == [" b", " c"]


@pytest.mark.parametrize("seed", range(6))
def test_translated_cues_obey_every_rule(seed: int) -> None:
    """Translations longer and shorter than the speech, cut into cues: every cue is checked."""
    rng = random.Random(seed)
    spoken = clean_words(generated_words(rng, 300))
    sentences = split_sentences(spoken, OPTIONS.max_pause, 300)
    factor = rng.choice([0.7, 1.0, 1.3])
    translated = []
    for sentence in sentences:
        count = max(1, round(len(sentence.text.split()) * factor))
        translated.append(
            Sentence(sentence.start, sentence.end, " ".join(rng.choice(["palabra", "sí", "traducción"]) for _ in range(count)))
        )
    words = timed_words(translated, spoken, "es")
    assert all(a.start <= b.start for a, b in itertools.pairwise(words))
    said = " ".join(s.text for s in translated).split()
    assert [w.text.strip() for w in words] == said  # every translated word timed, once, in order
    duration = spoken[-1].end + 1.0
    cues = make_cues(words, OPTIONS, duration, "es")
    assert " ".join(c.text for c in cues).split() == said
    check_invariants(clean_words(words, duration), cues, OPTIONS, duration)
    assert cues[0].start >= spoken[0].start - 1e-9
    assert cues[-1].end <= spoken[-1].end + OPTIONS.max_extend + 1e-9

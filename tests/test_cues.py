"""Cue making on inline reference text: lines, boundaries, timing, and invariants on generated speech."""

from __future__ import annotations

import dataclasses
import itertools
import random

import pytest

from subtitler import grammar
from subtitler.cues import (
    TINY,
    Problem,
    Rule,
    break_lines,
    clean,
    clean_words,
    cue_violations,
    display_width,
    gap_violation,
    make_cues,
    max_lead_in,
    violations,
)
from subtitler.model import Cue, Word
from subtitler.options import load_options

from .cue_rules import EPS, check_invariants

OPTIONS = load_options().cues
WEATHER = (
    "The weather was lovely this morning. We went for a long walk along the river and saw some ducks. "
    "Then it started to rain, so we ran back home as fast as we could, laughing all the way. "
    "My brother, who never runs, was the first one to reach the door."
)
_COMMON_WORDS = (
    "the a of and to in is it you that he was for on are with as his they be at one have this from or had by "
    "word but what some we can out other were all there when up use your how said an each she which do their "
    "time if will way about many then them write would like so these her long make thing see him two has look "
    "more day could go come did number sound no most people my over know water than call first who may down "
    "side been now find any new work part take get place made live where after back little only round man year"
)
VOCABULARY = _COMMON_WORDS.split()


def words_from(text: str, start: float = 0.0, word_s: float = 0.3, gap_s: float = 0.0) -> list[Word]:
    """One Word per space-separated word, each word_s long, gap_s apart, with Whisper's leading space."""
    words = []
    for token in text.split():
        words.append(Word(start, start + word_s, " " + token))
        start += word_s + gap_s
    return words


def tokens(text: str) -> list[str]:
    return [" " + t for t in text.split()]


def generated_words(rng: random.Random, count: int) -> list[Word]:
    """Speech-like words: varied lengths and speeds, punctuation, and now and then a pause."""
    words, t = [], rng.uniform(0.0, 2.0)
    for _ in range(count):
        text = rng.choice(VOCABULARY)
        if rng.random() < 0.02:
            text = "extraordinarily-long-hyphenated-compound-word-that-fills-a-line"[: rng.randint(20, 60)]
        roll = rng.random()
        text += "." if roll < 0.07 else "," if roll < 0.12 else "?" if roll < 0.14 else ""
        length = rng.uniform(0.08, 0.6)
        words.append(Word(t, t + length, " " + text))
        roll = rng.random()
        t += length + (rng.uniform(0.6, 4.0) if roll < 0.05 else rng.uniform(0.0, 0.25))
    return words


def test_display_width_counts_wide_characters_twice() -> None:
    assert display_width("Hello") == 5
    assert display_width("你好") == 4
    assert display_width("こんにちは、世界") == 16
    assert display_width("ＡＢ") == 4  # fullwidth Latin
    assert display_width("ｱｲ") == 2  # halfwidth katakana
    assert display_width("e\u0301te\u0301") == 3  # combining accents take no column


def test_break_lines_keeps_a_short_cue_on_one_line() -> None:
    assert break_lines(tokens("Hello there, my friend."), OPTIONS) == ("Hello there, my friend.",)


def test_break_lines_balances_a_known_sentence() -> None:
    lines = break_lines(tokens("I think we should go to the market before it closes tonight."), OPTIONS)
    assert lines == ("I think we should go to the market", "before it closes tonight.")


def test_break_lines_prefers_a_comma_to_balance() -> None:
    lines = break_lines(tokens("Well, if you really want to know, I never liked the way he talked to us."), OPTIONS)
    assert lines == ("Well, if you really want to know,", "I never liked the way he talked to us.")


@pytest.mark.parametrize(
    ("text", "function_word"),
    [
        ("We walked for hours to find the old mill near the river bank", "the"),
        ("My uncle went out and bought a lovely little boat last summer", "a"),
        ("We could hardly see the top of the old tower through the fog", "of"),
    ],
)
def test_break_lines_never_ends_a_line_on_a_function_word(text: str, function_word: str) -> None:
    words = text.split()
    # The most balanced break falls right after the function word, so balance alone would choose it.
    imbalance = [abs(len(" ".join(words[:k])) - len(" ".join(words[k:]))) for k in range(1, len(words))]
    assert words[imbalance.index(min(imbalance))] == function_word
    lines = break_lines(tokens(text), OPTIONS)
    assert lines is not None and len(lines) == 2
    assert lines[0].split()[-1].lower() not in {"the", "a", "an", "of", "to", "and"}
    assert " ".join(lines) == text


def test_break_lines_prefers_a_bottom_heavy_pyramid() -> None:
    # Nine four-letter words: 19|24 and 24|19 are equally balanced; the longer line goes below.
    lines = break_lines(tokens("many wild cats hunt mice each dawn near town"), OPTIONS)
    assert lines == ("many wild cats hunt", "mice each dawn near town")
    # 28|22 is a little better balanced than 21|29, but the pyramid wins.
    lines = break_lines(tokens("Tom carefully cleaned twelve big boxes every Sunday"), OPTIONS)
    assert lines == ("Tom carefully cleaned", "twelve big boxes every Sunday")


def test_break_lines_refuses_what_does_not_fit() -> None:
    assert break_lines(tokens("word " * 40), OPTIONS) is None
    assert break_lines([" short", " " + "x" * 50], OPTIONS) is None
    assert break_lines([" " + "x" * 50], OPTIONS) == ("x" * 50,)  # alone, a too-wide word still shows
    assert break_lines([], OPTIONS) == ()


def test_break_lines_uses_more_lines_only_when_allowed() -> None:
    text = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen"
    assert break_lines(tokens(text), OPTIONS) is None
    three = break_lines(tokens(text), dataclasses.replace(OPTIONS, max_lines=3))
    assert three is not None and len(three) == 3
    assert all(display_width(line) <= OPTIONS.max_chars_per_line for line in three)
    assert " ".join(three) == text


def test_break_lines_counts_cjk_width() -> None:
    cjk = ["我们", "今天", "早上", "去了", "公园", "，", "看到", "很多", "小鸟", "在", "树上", "唱歌", "。"]
    lines = break_lines(cjk, OPTIONS)
    assert lines is not None and len(lines) == 2
    assert all(display_width(line) <= OPTIONS.max_chars_per_line for line in lines)
    assert "".join(lines) == "".join(cjk)  # no spaces put between Chinese words
    narrow = break_lines(cjk, dataclasses.replace(OPTIONS, max_chars_per_line=16))
    assert narrow is None  # 26 characters are 52 columns: more than two 16-column lines


def test_make_cues_of_nothing_is_nothing() -> None:
    assert make_cues([], OPTIONS) == ()
    assert make_cues([Word(0.0, 1.0, " "), Word(1.0, 2.0, "")], OPTIONS) == ()


def test_make_cues_follows_sentences() -> None:
    cues = make_cues(words_from(WEATHER), OPTIONS)
    assert [c.text for c in cues] == [
        "The weather was lovely this morning.",
        "We went for a long walk\nalong the river and saw some ducks.",
        "Then it started to rain,",
        "so we ran back home as fast as we could,\nlaughing all the way.",
        "My brother, who never runs,\nwas the first one to reach the door.",
    ]


def test_short_sentences_join_rather_than_stand_alone() -> None:
    cues = make_cues(words_from("Yes. I think we should go to the market before it closes."), OPTIONS)
    assert len(cues) == 1
    assert cues[0].lines == ("Yes. I think we should go", "to the market before it closes.")


def test_cue_does_not_end_on_a_function_word() -> None:
    text = (
        "We spent most of the afternoon looking for the keys that my sister had left somewhere in the garden "
        "near the old apple tree"
    )
    cues = make_cues(words_from(text), OPTIONS)
    assert len(cues) == 2
    assert cues[0].text.split()[-1] not in {"the", "a", "of", "in", "for", "that", "near"}


def test_a_hesitation_after_a_function_word_does_not_end_a_cue() -> None:
    before = words_from("We looked everywhere for the keys and then we finally found them under the")
    after = words_from("old blue sofa in the living room.", start=before[-1].end + 0.9)
    cues = make_cues(before + after, OPTIONS)
    assert len(cues) == 2
    assert cues[0].text.split()[-1] != "the"
    assert " ".join(c.text.replace("\n", " ") for c in cues) == " ".join(w.text.strip() for w in before + after)


def test_one_or_two_words_do_not_trail_alone() -> None:
    # A comma would end the first cue well, but it would leave "all day." on its own.
    text = "We looked everywhere for the keys in the house and in the garden and the car, all day."
    cues = make_cues(words_from(text), OPTIONS)
    assert len(cues) == 2
    assert all(len(c.text.split()) > 2 for c in cues)


def test_long_silence_splits_cues() -> None:
    together = make_cues(words_from("Come here. Look at this.", gap_s=0.1), OPTIONS)
    assert len(together) == 1
    words = words_from("Come here.") + words_from("Look at this.", start=0.6 + OPTIONS.max_pause + 0.5)
    apart = make_cues(words, OPTIONS)
    assert [c.text for c in apart] == ["Come here.", "Look at this."]


def test_max_duration_is_respected() -> None:
    # Slow speech: 40 short words spoken over 32 s would fit two lines but not seven seconds.
    words = words_from("a b c d e f g h i j " * 4, word_s=0.4, gap_s=0.4)
    cues = make_cues(words, OPTIONS)
    assert len(cues) >= 5
    assert all(c.duration <= OPTIONS.max_duration + EPS for c in cues)


def test_min_duration_extends_a_short_cue() -> None:
    cues = make_cues([Word(1.0, 1.1, " Hi.")], OPTIONS)
    assert cues[0].start == 1.0
    assert cues[0].end == pytest.approx(1.0 + OPTIONS.min_duration)


def test_reading_speed_extends_into_silence_up_to_max_extend() -> None:
    sentence = "I think we should go to the market before it closes tonight."
    need = 59 / OPTIONS.max_cps  # two lines of 34 and 25 characters
    slow = make_cues(words_from(sentence, word_s=0.25), OPTIONS)  # spoken in 3.0 s
    assert slow[0].end == pytest.approx(need)
    fast = make_cues(words_from(sentence, word_s=0.1), OPTIONS)  # spoken in 1.2 s
    assert fast[0].end == pytest.approx(1.2 + OPTIONS.max_extend)
    (problem,) = cue_violations(fast[0], OPTIONS)  # 59 characters in 2.7 s
    assert (problem.rule, problem.value, problem.limit) == (Rule.READING_SPEED, pytest.approx(59 / 2.7), 17.0)
    assert problem.message == "reads at 21.9 characters per second, more than 17"


def test_reading_speed_extension_stops_before_the_next_cue() -> None:
    first = words_from("I think we should go to the market before it closes tonight.", word_s=0.1)
    later = words_from("Fine.", start=1.2 + OPTIONS.max_pause + 0.1)
    cues = make_cues(first + later, OPTIONS)
    assert len(cues) == 2
    assert cues[0].end == pytest.approx(cues[1].start - OPTIONS.min_gap)


def test_short_gaps_are_chained_and_longer_ones_kept() -> None:
    one = "We went for a long walk along the river and saw some ducks."
    two = "Then it started to rain, so we ran back home laughing."
    for gap, chained in ((0.3, True), (0.8, False)):
        words = words_from(one, word_s=0.35)
        words += words_from(two, start=words[-1].end + gap, word_s=0.35)
        cues = make_cues(words, OPTIONS)
        assert [c.text.replace("\n", " ") for c in cues] == [one, two]
        expected = cues[1].start - OPTIONS.min_gap if chained else words[12].end
        assert cues[0].end == pytest.approx(expected)


def test_cues_never_pass_the_media_duration() -> None:
    text = "And that is how the story of the old lighthouse ends."  # 53 characters: 3.1 s to read
    words = [*words_from(text, start=8.0, word_s=0.2), Word(10.5, 11.0, " Ghost.")]
    cues = make_cues(words, OPTIONS, duration=10.0)
    assert [c.text.replace("\n", " ") for c in cues] == [text]  # the word after the end is dropped
    assert cues[0].end == pytest.approx(10.0)  # reading time wants 11.1 s
    late = make_cues([Word(9.0, 12.0, " Bye"), Word(9.9, 9.9, "!")], OPTIONS, duration=10.0)
    assert [(c.start, c.end, c.text) for c in late] == [(9.0, 10.0, "Bye!")]


def test_punctuation_only_tokens_join_their_words() -> None:
    words = [
        Word(0.0, 0.3, " Hello"),
        Word(0.3, 0.3, ","),
        Word(0.3, 0.6, " world"),
        Word(0.6, 0.7, " ."),
        Word(0.7, 0.8, " ¿"),
        Word(0.8, 1.0, "Qué"),
        Word(1.0, 1.1, "?"),
        Word(1.1, 1.4, " Well"),
        Word(1.4, 1.5, " —"),
    ]
    cleaned = clean_words(words)
    assert [w.text for w in cleaned] == [" Hello,", " world.", " ¿Qué?", " Well —"]
    assert make_cues(words, OPTIONS)[0].text == "Hello, world. ¿Qué? Well —"


def test_glitchy_timestamps_are_made_monotonic() -> None:
    words = [
        Word(1.0, 1.5, " One"),
        Word(1.4, 1.2, " two"),  # ends before it starts, and starts inside the previous word
        Word(0.9, 0.9, " three"),  # goes back in time, zero length
        Word(2.0, 2.0, " four"),  # zero length
        Word(2.0, 9.0, " five."),  # runs far into the next word
        Word(2.5, 3.0, " Six."),
    ]
    cleaned = clean_words(words)
    assert [w.text for w in cleaned] == [w.text for w in words]
    for before, after in itertools.pairwise(cleaned):
        assert before.start < before.end <= after.start
    assert cleaned[-1].start < cleaned[-1].end
    assert cleaned[4].end == pytest.approx(2.5)
    cues = make_cues(words, OPTIONS)
    check_invariants(cleaned, cues, OPTIONS, None)


def test_a_word_wider_than_a_line_still_gets_a_cue() -> None:
    giant = "Pneumonoultramicroscopicsilicovolcanoconiosis-and-more-letters"
    cues = make_cues(words_from(f"It is {giant} indeed."), OPTIONS)
    assert [c.text for c in cues] == ["It is", giant, "indeed."]


def test_options_change_the_result() -> None:
    narrow = dataclasses.replace(OPTIONS, max_chars_per_line=20)
    words = words_from(WEATHER)
    wide_cues, narrow_cues = make_cues(words, OPTIONS), make_cues(words, narrow)
    assert max(display_width(line) for c in wide_cues for line in c.lines) > 20
    assert max(display_width(line) for c in narrow_cues for line in c.lines) <= 20
    assert len(narrow_cues) > len(wide_cues)
    one_line = make_cues(words, dataclasses.replace(OPTIONS, max_lines=1))
    assert all(len(c.lines) == 1 for c in one_line)


def test_cjk_cues_stay_within_width() -> None:
    text = ["我们", "今天", "早上", "去了", "公园", "。", "那里", "有", "很多", "小鸟", "在", "树上", "唱歌", "，"]
    text += ["还有", "一些", "孩子", "在", "草地", "上", "玩", "足球", "。"] * 2
    words = [Word(0.25 * k, 0.25 * k + 0.2, t) for k, t in enumerate(text)]
    cues = make_cues(words, OPTIONS)
    assert "".join(c.text.replace("\n", "") for c in cues) == "".join(text)
    # Two whole sentences fill the first cue (76 columns); the repeated last one stands alone.
    assert "".join(cues[0].lines) == "我们今天早上去了公园。那里有很多小鸟在树上唱歌，还有一些孩子在草地上玩足球。"
    assert [c.text for c in cues[1:]] == ["还有一些孩子在草地上玩足球。"]
    for cue in cues:
        assert all(display_width(line) <= OPTIONS.max_chars_per_line for line in cue.lines)


def test_cue_violations_names_each_broken_rule() -> None:
    assert cue_violations(Cue(0.0, 2.0, ("A fine cue.",)), OPTIONS) == []
    problems = cue_violations(Cue(0.0, 0.5, ("one", "two", "x" * 50)), OPTIONS)
    assert problems == [
        Problem(Rule.LINES, 3, 2),
        Problem(Rule.CHARS_PER_LINE, 50, 42, line=3),
        Problem(Rule.MIN_DURATION, 0.5, 0.833),
        Problem(Rule.READING_SPEED, 112.0, 17.0),  # 56 characters in 0.5 s
    ]
    assert [p.message for p in problems] == [
        "3 lines, more than 2",
        "line 3 is 50 wide, more than 42",
        "lasts 0.500 s, less than 0.833 s",
        "reads at 112.0 characters per second, more than 17",
    ]
    assert cue_violations(Cue(0.0, 8.0, ("Long.",)), OPTIONS) == [Problem(Rule.MAX_DURATION, 8.0, 7.0)]
    assert cue_violations(Cue(2.0, 2.0, ("Never.",)), OPTIONS) == [Problem(Rule.TIMING, 2.0, 2.0)]
    assert cue_violations(Cue(0.0, 2.0, ("你好" * 11,)), OPTIONS) == [Problem(Rule.CHARS_PER_LINE, 44, 42, line=1)]


def test_each_rule_has_an_id_a_label_and_a_message() -> None:
    assert {rule.value: rule.label for rule in Rule} == {
        "lines": "lines",
        "chars_per_line": "characters per line",
        "timing": "timing",
        "min_duration": "min duration",
        "max_duration": "max duration",
        "reading_speed": "reading speed",
        "gap": "gap",
        "overlap": "overlap",
    }
    assert Problem(Rule.MAX_DURATION, 8.0, 7.0).message == "lasts 8.000 s, more than 7 s"
    assert Problem(Rule.TIMING, 1.5, 2.0).message == "ends at 1.500 s, not after its start at 2.000 s"
    assert Problem(Rule.CHARS_PER_LINE, 44, 42, line=1).message == "line 1 is 44 wide, more than 42"


def test_gaps_and_overlaps_are_rules_between_a_cue_and_the_one_before() -> None:
    first = Cue(0.0, 2.0, ("A fine cue.",))
    assert gap_violation(first, Cue(2.083, 4.0, ("Right after.",)), OPTIONS) is None  # min_gap, exactly
    assert gap_violation(first, Cue(2.5, 4.0, ("Later.",)), OPTIONS) is None
    close = gap_violation(first, Cue(2.04, 4.0, ("Too close.",)), OPTIONS)
    assert close == Problem(Rule.GAP, pytest.approx(0.04), 0.083)
    assert close.message == "starts 0.040 s after the cue before it ends, less than 0.083 s"
    over = gap_violation(first, Cue(1.5, 4.0, ("On top.",)), OPTIONS)
    assert over == Problem(Rule.OVERLAP, 0.5, 0.0) and over.message == "starts 0.500 s before the cue before it ends"
    touching = gap_violation(first, Cue(2.0, 4.0, ("Touching.",)), OPTIONS)
    assert touching is not None and touching.rule is Rule.GAP  # no gap at all is a gap too short, not an overlap
    # A cue's own rules come first, then the one with the cue before it; the first cue has none before it.
    assert violations([first, Cue(1.9, 2.3, ("x" * 50,))], OPTIONS) == [
        [],
        [Problem(Rule.CHARS_PER_LINE, 50, 42, line=1), Problem(Rule.MIN_DURATION, pytest.approx(0.4), 0.833),
         Problem(Rule.READING_SPEED, pytest.approx(125.0), 17.0), Problem(Rule.OVERLAP, pytest.approx(0.1), 0.0)],
    ]  # fmt: skip


def test_hundreds_of_generated_words_keep_every_rule() -> None:
    words = generated_words(random.Random(7), 800)
    duration = words[-1].end + 0.2
    cues = make_cues(words, OPTIONS, duration)
    check_invariants(words, cues, OPTIONS, duration)
    assert len(cues) < len(words) / 5  # cues hold phrases, not single words
    fitting = [c for c in cues if all(display_width(line) <= OPTIONS.max_chars_per_line for line in c.lines)]
    assert len(fitting) > len(cues) * 0.8  # only the single words wider than a line do not fit
    problems = [p for c in fitting for p in cue_violations(c, OPTIONS)]
    assert len(problems) < len(fitting) / 10


@pytest.mark.parametrize("seed", range(8))
def test_rules_hold_for_random_speech_and_options(seed: int) -> None:
    rng = random.Random(seed)
    options = dataclasses.replace(
        OPTIONS,
        max_chars_per_line=rng.randint(16, 50),
        max_lines=rng.randint(1, 3),
        max_duration=rng.uniform(3.0, 8.0),
        max_cps=rng.uniform(12.0, 25.0),
        min_gap=rng.choice((0.0, 0.042, 0.083, 0.2)),
        chain_gap=rng.uniform(0.2, 1.0),
        max_pause=rng.uniform(0.5, 2.0),
        max_extend=rng.uniform(0.5, 2.0),
    )
    words = generated_words(rng, rng.randint(50, 400))
    duration = words[-1].end + rng.uniform(0.0, 1.0) if seed % 2 else None
    cues = make_cues(words, options, duration)
    check_invariants(words, cues, options, duration)
    between = [p for problems in violations(cues, options) for p in problems if p.rule in (Rule.GAP, Rule.OVERLAP)]
    assert between == []  # the rules between neighbours, as the review report checks them


def test_crowded_tiny_words_each_in_its_own_cue_keep_every_rule() -> None:
    # One-line cues of 8 columns and 8-letter words: every word is a cue, 20 ms long, with no gap.
    options = dataclasses.replace(OPTIONS, max_chars_per_line=8, max_lines=1)
    words = [Word(0.02 * k, 0.02 * k + 0.02, f" word{k:04d}") for k in range(30)]
    for duration in (None, 0.7, 0.61):
        cues = make_cues(words, options, duration)
        assert len(cues) == 30
        assert all(c.duration >= TINY - EPS for c in cues)
        check_invariants(words, cues, options, duration)


# Issue 14: breaks a subtitler would sign, Whisper's repetitions, fast speech.


def spoken_at(text: str, cps: float, start: float = 0.0, probability: float = 1.0) -> list[Word]:
    """One Word per space-separated word, back to back, each as long as its letters take at `cps`."""
    words = []
    for token in text.split():
        length = (len(token) + 1) / cps
        words.append(Word(start, start + length, " " + token, probability))
        start += length
    return words


def line_ends(cues: tuple[Cue, ...]) -> list[tuple[str, str]]:
    """Each line's last word with the word after it (the next line's, or the next cue's first)."""
    lines = [line for cue in cues for line in cue.lines]
    return [(line.split()[-1], after.split()[0]) for line, after in itertools.pairwise(lines)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Each was one cue broken after "je", "qui" and "est" (a subject pronoun, a relative, an auxiliary).
        (
            "Honnêtement, c'est vrai, mais je me l'étais jamais formulée comme ça.",
            ["Honnêtement, c'est vrai,", "mais je me l'étais jamais\nformulée comme ça."],
        ),
        (
            "Au fond, on parle des conditions qui permettent de bien dormir de cette façon.",
            ["Au fond, on parle des conditions", "qui permettent\nde bien dormir de cette façon."],
        ),
        (
            "Tu sais, on y pense surtout quand on est au lit le soir de cette façon.",
            ["Tu sais, on y pense surtout", "quand on est au lit le soir\nde cette façon."],
        ),
    ],
)
def test_french_phrases_stay_whole(text: str, expected: list[str]) -> None:
    cues = make_cues(spoken_at(text, 15.0), OPTIONS, None, "fr")
    assert [c.text for c in cues] == expected
    rules = grammar.for_language("fr")
    assert not [pair for pair in line_ends(cues) if rules.binds(*pair)]


def test_a_number_stays_with_its_unit() -> None:
    # It was "Right, when the time reaches 40 / seconds, the screen turns red."
    cues = make_cues(spoken_at("Right, when the time reaches 40 seconds, the screen turns red.", 15.0), OPTIONS, None, "en")
    assert [c.lines for c in cues] == [("Right, when the time reaches 40 seconds,", "the screen turns red.")]


def test_a_cue_does_not_end_inside_the_next_sentence() -> None:
    # Twenty columns a line: "On the bottom right you can see the time." needs two cues. It was cut after "bottom",
    # with "red. On the bottom" ending the cue before: now the sentence starts a cue and breaks after "right".
    text = "When the time reaches 40 seconds, the screen turns red. On the bottom right you can see the time."
    options = load_options(preset="tiktok").cues
    cues = make_cues(spoken_at(text, 8.0), options, None, "en")
    assert [c.text for c in cues][-3:] == ["the screen\nturns red.", "On the bottom right", "you can see\nthe time."]
    rules = grammar.for_language("en")
    assert not [pair for pair in line_ends(cues) if rules.binds(*pair)]


def test_an_english_talk_breaks_where_the_sense_does() -> None:
    text = (
        "Hello everyone. This is an example video for your convenience. When the time reaches 40 seconds, "
        "the screen turns red. On the bottom right you can see the time."
    )
    for cps in (10.0, 14.0, 18.0):
        cues = make_cues(spoken_at(text, cps), OPTIONS, None, "en")
        rules = grammar.for_language("en")
        assert not [pair for pair in line_ends(cues) if rules.binds(*pair)], [c.text for c in cues]
        assert all(c.text.rstrip()[-1] in ".," for c in cues), [c.text for c in cues]


def test_an_unsure_repetition_at_a_segment_boundary_is_dropped() -> None:
    words = spoken_at("On the bottom right you can see the time.", 15.0, probability=0.9)
    echo = Word(words[-1].end + 0.1, words[-1].end + 0.4, " time.", 0.17)
    after = spoken_at("It keeps running.", 15.0, start=echo.end)
    cleaned = clean([*words, echo, *after])
    assert [w.text for w in cleaned.words] == [w.text for w in words + after]
    assert cleaned.dropped == (echo,)
    cues = make_cues([*words, echo, *after], OPTIONS, None, "en")
    assert " ".join(c.text.replace("\n", " ") for c in cues) == "On the bottom right you can see the time. It keeps running."
    assert clean(cleaned.words).dropped == ()  # cleaning twice drops nothing more


def test_an_unsure_repeated_phrase_is_dropped() -> None:
    words = spoken_at("you can see the time.", 15.0)
    echo = spoken_at("the time?", 15.0, start=words[-1].end, probability=0.2)
    after = spoken_at("Then it stops.", 15.0, start=echo[-1].end)
    cleaned = clean([*words, *echo, *after])
    assert [w.text for w in cleaned.words] == [" you", " can", " see", " the", " time.", " Then", " it", " stops."]
    assert [w.text for w in cleaned.dropped] == [" the", " time?"]


@pytest.mark.parametrize(
    ("text", "probabilities"),
    [
        ("It was very, very good.", [0.9] * 5),  # a real repetition: Whisper heard it
        ("No no no, not that one.", [0.95] * 6),
        ("It was very, very good.", [0.9, 0.9, 0.9, 0.2, 0.9]),  # unsure, but inside a sentence
        ("we saw the the house.", [0.9, 0.9, 0.9, 0.1, 0.9]),
        ("Stop. Stop there.", [0.9, 0.9, 0.1]),  # unsure, but not the whole copy
    ],
)
def test_a_real_repetition_is_kept(text: str, probabilities: list[float]) -> None:
    words = [dataclasses.replace(w, probability=p) for w, p in zip(spoken_at(text, 15.0), probabilities, strict=True)]
    cleaned = clean(words)
    assert cleaned.dropped == ()
    assert [w.text for w in cleaned.words] == [w.text for w in words]


def test_a_fast_cue_shows_earlier_into_the_silence_before_it() -> None:
    # "Fine.", a silence, then 31 characters in 1.2 s with the next sentence right after: even held until
    # that sentence, the cue reads at 27 characters a second. Shown from 0.75 s before its first word: 16.
    first = spoken_at("Fine.", 15.0)
    fast = spoken_at("We should leave now, right now.", 26.0, start=3.0)
    after = spoken_at("The last bus leaves at nine tonight and we must not miss it, or we walk home.", 15.0, start=fast[-1].end)
    cues = make_cues(first + fast + after, OPTIONS, None, "en")
    assert [c.text.replace("\n", " ") for c in cues][:2] == ["Fine.", "We should leave now, right now."]
    cue = cues[1]
    assert fast[0].start - max_lead_in(OPTIONS) - EPS <= cue.start < fast[0].start - 0.5
    assert cue.end == pytest.approx(after[0].start - OPTIONS.min_gap)
    assert cue_violations(cue, OPTIONS) == []
    check_invariants(first + fast + after, cues, OPTIONS, None)
    alone = make_cues(fast + after, OPTIONS, None, "en")  # the first cue never shows before its first word
    assert alone[0].start == fast[0].start
    assert Rule.READING_SPEED in [p.rule for p in cue_violations(alone[0], OPTIONS)]


def test_two_short_cues_merge_when_one_alone_reads_too_fast() -> None:
    # "Look out!" said in 0.4 s, right before a slower sentence and a silence: alone it reads at 22
    # characters a second (and is too brief); as one cue with the next sentence, both read in time.
    quick = spoken_at("Look out!", 25.0)
    slow = spoken_at("The ladder is about to fall.", 12.0, start=quick[-1].end + 0.1)
    cues = make_cues(quick + slow, OPTIONS, None, "en")
    assert [c.lines for c in cues] == [("Look out! The ladder is about to fall.",)]
    assert cue_violations(cues[0], OPTIONS) == []
    apart = make_cues(quick + slow, dataclasses.replace(OPTIONS, max_chars_per_line=28, max_lines=1), None, "en")
    assert [c.text for c in apart] == ["Look out!", "The ladder is about to fall."]
    assert Rule.READING_SPEED in [p.rule for p in cue_violations(apart[0], OPTIONS)]

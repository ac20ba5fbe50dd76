"""Words -> cues: where each cue starts and ends, its lines, and how long it stays on screen (pure).

Cue boundaries come from dynamic programming over word indices: every run of words that fits the
lines, the duration and the pauses is a candidate, and the cheapest sequence of candidates wins.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from subtitler.lines import CLOSERS, SENTENCE_END, Token, breaks_cost, display_width, lay_out, tokenize
from subtitler.model import Cue, Word
from subtitler.options import CueOptions

__all__ = [
    *("Cleaned", "Problem", "Rule", "break_lines", "clean", "clean_words", "cue_violations", "display_width"),
    *("gap_violation", "make_cues", "max_lead_in", "violations"),
]

TINY = 0.01  # seconds: the least a word or a cue lasts
_OPENING = frozenset("¿¡([{«“‘„‹「『（【")
_EPSILON = 1e-6
# Whisper's repetition artifacts: up to this many words repeated, each less sure than this, after a sentence end.
_REPEAT_WORDS, _REPEAT_UNSURE = 3, 0.3

# Cue costs. A cue ending mid-phrase costs more than one more cue, so cues end where the sense does.
_PER_CUE = 4.0
_MID_PHRASE, _BEFORE_CONNECTIVE, _AFTER_CLAUSE = 16.0, 9.0, 4.0
_AFTER_BINDING = 12.0  # ending on "the", "of", "and": the reader waits for the next cue to make sense
_LINE_BREAKS = 2.0  # times the cost of the cue's best line breaks (lines.break_cost): 24 for one after "the"
_PAUSE_RELIEF = 0.7  # a pause near max_pause takes this share off a mid-sentence boundary
_STRADDLE = 8.0  # a cue holding a sentence end that starts or ends mid-sentence
_EMPTY_SPACE = 4.0  # times the squared unused share of the cue's lines
_FRAGMENT = 8.0  # one or two short words alone
_TOO_FAST = 10.0  # times the share by which characters per second pass max_cps
_TOO_BRIEF = 5.0  # times the share of min_duration the cue cannot stay up
_LEAD_IN_SHARE = 0.5  # a cue too fast to read may show this share of max_extend before its first word


def break_lines(text_tokens: Sequence[str], options: CueOptions, language: str = "") -> tuple[str, ...] | None:
    """Lines for one cue's words (" Hello", " world."): balanced, broken where the sense allows.

    None when the words do not fit max_lines lines; a single word wider than a line is its own line.
    """
    return lay_out(tokenize(text_tokens, language), options.max_chars_per_line, options.max_lines)


class Rule(StrEnum):
    """A rule every cue obeys; the value is its id in the review report. The first six are a cue's own
    (`cue_violations`), the last two between a cue and the one before it (`gap_violation`)."""

    LINES = "lines"
    CHARS_PER_LINE = "chars_per_line"
    TIMING = "timing"
    MIN_DURATION = "min_duration"
    MAX_DURATION = "max_duration"
    READING_SPEED = "reading_speed"
    GAP = "gap"
    OVERLAP = "overlap"

    @property
    def label(self) -> str:
        """The rule's name for people: "characters per line"."""
        return _LABELS[self]


_LABELS = {
    Rule.LINES: "lines",
    Rule.CHARS_PER_LINE: "characters per line",
    Rule.TIMING: "timing",
    Rule.MIN_DURATION: "min duration",
    Rule.MAX_DURATION: "max duration",
    Rule.READING_SPEED: "reading speed",
    Rule.GAP: "gap",
    Rule.OVERLAP: "overlap",
}


@dataclass(frozen=True)
class Problem:
    """One rule a cue breaks: its value and the limit it passes.

    Units by rule: lines (lines), columns (chars_per_line, with the line's number from 1), seconds (timing: the
    end and the start it must come after; min_duration and max_duration: the duration; gap: the time between the
    cue before and this one, and min_gap; overlap: how long this one shows while the cue before it does, and 0),
    characters per second (reading_speed)."""

    rule: Rule
    value: float
    limit: float
    line: int | None = None

    @property
    def message(self) -> str:
        """The problem in words: "line 1 is 60 wide, more than 42"."""
        value, limit = self.value, self.limit
        match self.rule:
            case Rule.LINES:
                return f"{value:.0f} lines, more than {limit:.0f}"
            case Rule.CHARS_PER_LINE:
                return f"line {self.line} is {value:.0f} wide, more than {limit:.0f}"
            case Rule.TIMING:
                return f"ends at {value:.3f} s, not after its start at {limit:.3f} s"
            case Rule.MIN_DURATION:
                return f"lasts {value:.3f} s, less than {limit:g} s"
            case Rule.MAX_DURATION:
                return f"lasts {value:.3f} s, more than {limit:g} s"
            case Rule.READING_SPEED:
                return f"reads at {value:.1f} characters per second, more than {limit:g}"
            case Rule.GAP:
                return f"starts {value:.3f} s after the cue before it ends, less than {limit:g} s"
            case Rule.OVERLAP:
                return f"starts {value:.3f} s before the cue before it ends"


def cue_violations(cue: Cue, options: CueOptions) -> list[Problem]:
    """Each rule the cue breaks, in the order of `Rule`: line count and length, timing, duration, reading speed."""
    problems = []
    if len(cue.lines) > options.max_lines:
        problems.append(Problem(Rule.LINES, len(cue.lines), options.max_lines))
    for number, line in enumerate(cue.lines, 1):
        if display_width(line) > options.max_chars_per_line:
            problems.append(Problem(Rule.CHARS_PER_LINE, display_width(line), options.max_chars_per_line, number))
    if cue.duration <= 0:  # no duration, no reading speed
        return [*problems, Problem(Rule.TIMING, cue.end, cue.start)]
    if cue.duration < options.min_duration - _EPSILON:
        problems.append(Problem(Rule.MIN_DURATION, cue.duration, options.min_duration))
    if cue.duration > options.max_duration + _EPSILON:
        problems.append(Problem(Rule.MAX_DURATION, cue.duration, options.max_duration))
    cps = sum(len(line) for line in cue.lines) / cue.duration
    if cps > options.max_cps + _EPSILON:
        problems.append(Problem(Rule.READING_SPEED, cps, options.max_cps))
    return problems


def gap_violation(before: Cue, cue: Cue, options: CueOptions) -> Problem | None:
    """The rule `cue` breaks with the cue shown before it: shown while it still is (overlap), or less than
    `min_gap` after it (gap, the flicker of two cues too close to tell apart); None when neither."""
    gap = cue.start - before.end
    if gap < -_EPSILON:
        return Problem(Rule.OVERLAP, -gap, 0.0)
    if gap < options.min_gap - _EPSILON:
        return Problem(Rule.GAP, gap, options.min_gap)
    return None


def violations(cues: Sequence[Cue], options: CueOptions) -> list[list[Problem]]:
    """Every rule each cue breaks, in the order given (a language's cues, by time): its own (`cue_violations`),
    then the one with the cue before it (`gap_violation`). The review report and the studio's editor check
    with this, so a rule is written once."""
    found = []
    for k, cue in enumerate(cues):
        problems = cue_violations(cue, options)
        between = gap_violation(cues[k - 1], cue, options) if k else None
        found.append([*problems, between] if between is not None else problems)
    return found


def make_cues(words: Sequence[Word], options: CueOptions, duration: float | None = None, language: str = "", *,
              as_written: bool = False) -> tuple[Cue, ...]:  # fmt: skip
    """Readable subtitle cues from Whisper's words; `duration` (the media's) bounds the last one.

    `language` picks the grammar (`subtitler/grammar/`) of the words that belong together, which good breaks
    avoid splitting ("" = every known language's). `as_written`: the words are a person's (a correction cut
    again for another preset), so none is dropped as one of Whisper's repetitions."""
    cleaned = _glue_pieces(clean(words, duration, repeats=not as_written).words)
    if not cleaned:
        return ()
    tokens = tokenize([w.text for w in cleaned], language)
    groups = _choose_cues(tokens, cleaned, options)
    lines = []
    for i, j in groups:
        laid = lay_out(tokens[i:j], options.max_chars_per_line, options.max_lines)
        if laid is None:  # _choose_cues only keeps runs that fit, with the same test lay_out uses
            raise RuntimeError(f"cue of words {i}..{j} does not fit its lines")
        lines.append(laid)
    return _timed(groups, lines, cleaned, options, duration)


class Cleaned(NamedTuple):
    """Words fit to cut, and the repetitions dropped from them (as Whisper timed them)."""

    words: list[Word]
    dropped: tuple[Word, ...]


def clean_words(words: Sequence[Word], duration: float | None = None) -> list[Word]:
    """Words fit to cut: no blanks, punctuation joined to its word, Whisper's repetition artifacts dropped,
    times in order and never zero."""
    return clean(words, duration).words


def clean(words: Sequence[Word], duration: float | None = None, repeats: bool = True) -> Cleaned:
    """`clean_words`, with the repeated words it dropped ("the time. time." loses its unsure second "time."; none
    without `repeats`)."""
    texts: list[str] = []
    spans: list[tuple[float, float]] = []
    probabilities: list[float] = []  # how sure Whisper was of each word (the review report lists unsure ones)
    prefix = ""  # opening punctuation waiting for the word it belongs to
    for word in words:
        text = " ".join(word.text.split())
        if not text or (duration is not None and word.start >= duration):
            continue
        if all(unicodedata.category(c).startswith("P") for c in text):
            if text[0] in _OPENING or not texts:
                prefix += (" " if word.text[0].isspace() and not prefix else "") + text
            else:  # a spaced dash stays spaced ("well —"); other punctuation sticks to its word
                spaced = word.text[0].isspace() and unicodedata.category(text[0]) == "Pd"
                texts[-1] += (" " if spaced else "") + text
            continue
        space = " " if word.text[0].isspace() and not prefix.startswith(" ") else ""
        texts.append(space + prefix + text)
        spans.append((word.start, word.end))
        probabilities.append(word.probability)
        prefix = ""
    if not texts:
        return Cleaned([], ())
    texts[-1] += prefix
    kept = _without_repetitions(texts, probabilities) if repeats else list(range(len(texts)))
    keep = set(kept)
    dropped = tuple(Word(*spans[k], texts[k], probabilities[k]) for k in range(len(texts)) if k not in keep)
    texts, spans, probabilities = [texts[k] for k in kept], [spans[k] for k in kept], [probabilities[k] for k in kept]

    starts = [max(0.0, spans[0][0])]
    for start, _ in spans[1:]:
        starts.append(max(start, starts[-1]))  # a start that goes backwards is a glitch: hold it
    ends = [max(end, start) for (_, end), start in zip(spans, starts, strict=True)]
    for k in range(len(ends) - 1):
        if starts[k + 1] > starts[k]:  # an end running into the next word is trimmed, not the next word pushed
            ends[k] = min(ends[k], starts[k + 1])
    for k in range(len(ends)):
        if k:
            starts[k] = max(starts[k], ends[k - 1])
        ends[k] = max(ends[k], starts[k] + TINY)
        if duration is not None:
            ends[k] = min(ends[k], duration)
    if duration is not None:  # walk back from the media's end so every word still lasts TINY
        limit = duration
        for k in reversed(range(len(ends))):
            ends[k] = min(ends[k], limit)
            starts[k] = min(starts[k], ends[k] - TINY)
            limit = starts[k]
    return Cleaned([Word(s, e, t, p) for s, e, t, p in zip(starts, ends, texts, probabilities, strict=True)], dropped)


def _without_repetitions(texts: list[str], probabilities: list[float]) -> list[int]:
    """The indices of the words to keep: not the ones that repeat, right after a sentence end, the last one to
    three words before them with every word unsure (p < 0.3), as Whisper does at a segment boundary.

    A real repetition ("very, very", "no no no") is heard, so Whisper is sure of it, and stays; so does any
    repetition inside a sentence."""
    kept: list[int] = []
    k = 0
    while k < len(texts):
        for n in range(1, _REPEAT_WORDS + 1):
            copy, before = range(k, k + n), kept[-n:]
            if (
                len(before) == n
                and k + n <= len(texts)
                and texts[before[-1]].rstrip(CLOSERS)[-1:] in SENTENCE_END
                and max(probabilities[c] for c in copy) < _REPEAT_UNSURE
                and [_form(texts[c]) for c in copy] == [_form(texts[b]) for b in before]
                and all(_form(texts[c]) for c in copy)
            ):
                k += n
                break
        else:
            kept.append(k)
            k += 1
    return kept


def _form(text: str) -> str:
    """A word as a repetition compares it: lower case letters and digits only ("Okay." is "okay")."""
    return "".join(c for c in text.lower() if c.isalnum())


def _glue_pieces(words: list[Word]) -> list[Word]:
    """In a language written with spaces, a word Whisper wrote without one ("-Neufaine" after
    " Marie") is the rest of the word before: never break a line or a cue between them."""
    if sum(w.text[:1].isspace() for w in words) * 2 < len(words):
        return words  # Chinese, Japanese, Thai...: words join without spaces, any boundary may break
    glued: list[Word] = []
    for word in words:
        if glued and not word.text[:1].isspace():
            last = glued[-1]
            prob = min(last.probability, word.probability)
            glued[-1] = Word(last.start, max(last.end, word.end), last.text + word.text, prob)
        else:
            glued.append(word)
    return glued


def _choose_cues(tokens: list[Token], words: list[Word], options: CueOptions) -> list[tuple[int, int]]:
    """The cheapest way to cut the words into cues, as (first, past-last) word indices."""
    n = len(words)
    best = [math.inf] * (n + 1)
    best[0] = 0.0
    back = [0] * (n + 1)
    for i in range(n):
        first = tokens[i]
        width, chars = first.width, len(first.text)
        line_count, line_width = 1, first.width  # lines filled greedily, which needs the fewest
        inner_sentence = False
        for j in range(i + 1, n + 1):
            if j > i + 1:
                if options.max_words and j - i > options.max_words:
                    break  # short "punch" captions: a few words at a time
                token, word = tokens[j - 1], words[j - 1]
                pause, spoken = word.start - words[j - 2].end, word.end - words[i].start
                if pause > options.max_pause or spoken > options.max_duration:
                    break  # a longer run holds the same pause and lasts longer still
                joined = line_width + len(token.space) + token.width
                if joined <= options.max_chars_per_line:
                    line_width = joined
                elif line_count < options.max_lines and max(token.width, line_width) <= options.max_chars_per_line:
                    line_count, line_width = line_count + 1, token.width
                else:
                    break  # more words never fit in fewer lines
                inner_sentence = inner_sentence or tokens[j - 2].ends_sentence
                width += len(token.space) + token.width
                chars += len(token.space) + len(token.text)
            cost = best[i] + _cue_cost(tokens, words, i, j, width, chars, inner_sentence, options)
            if line_count > 1:  # how well its line breaks read: a cue whose only breaks split a phrase costs more
                cost += _LINE_BREAKS * (breaks_cost(tokens[i:j], options.max_chars_per_line, options.max_lines) or 0.0)
            if cost < best[j]:
                best[j], back[j] = cost, i
    groups = []
    j = n
    while j > 0:
        groups.append((back[j], j))
        j = back[j]
    return groups[::-1]


def _cue_cost(
    tokens: list[Token],
    words: list[Word],
    i: int,
    j: int,
    width: int,
    chars: int,
    inner_sentence: bool,
    options: CueOptions,
) -> float:
    """How bad a cue of words[i:j] is, given its width and characters on one line."""
    cost = _PER_CUE
    last = tokens[j - 1]
    if j < len(words) and not last.ends_sentence:
        if last.ends_clause:
            boundary = _AFTER_CLAUSE
        elif tokens[j].connective:
            boundary = _BEFORE_CONNECTIVE
        else:
            boundary = _MID_PHRASE
        pause = words[j].start - words[j - 1].end
        cost += boundary * (1.0 - _PAUSE_RELIEF * min(1.0, pause / options.max_pause))
        cost += _AFTER_BINDING if last.binds_forward else 0.0
    # Sentences inside a cue should be whole: it starts and ends where sentences do.
    starts_sentence = i == 0 or tokens[i - 1].ends_sentence
    if inner_sentence and not (starts_sentence and (j == len(words) or last.ends_sentence)):
        cost += _STRADDLE
    capacity = options.max_chars_per_line * options.max_lines
    cost += _EMPTY_SPACE * (1.0 - min(1.0, width / capacity)) ** 2
    if j - i <= 2 and width < options.max_chars_per_line / 3:
        cost += _FRAGMENT
    # How long the cue can stay up: until max_extend after its last word, or just before the next; and, to
    # be read, from a little before its first word (half the silence before it, which the cue before shares).
    until = words[j - 1].end + options.max_extend
    if j < len(words):
        until = min(until, words[j].start - options.min_gap)
    since = words[i].start
    if i:
        since = max(since - max_lead_in(options), (words[i - 1].end + words[i].start) / 2)
    shown = min(until - since, options.max_duration)
    if shown < options.min_duration:
        cost += _TOO_BRIEF * (1.0 - max(shown, 0.0) / options.min_duration)
    cps = chars / max(shown, TINY)
    if cps > options.max_cps:
        cost += _TOO_FAST * (cps / options.max_cps - 1.0)
    return cost


def max_lead_in(options: CueOptions) -> float:
    """How long before its first word a cue too fast to read may show, into the silence before it (never the
    first cue: no subtitle shows before anyone has spoken)."""
    return options.max_extend * _LEAD_IN_SHARE


def _timed(
    groups: list[tuple[int, int]],
    lines: list[tuple[str, ...]],
    words: list[Word],
    options: CueOptions,
    duration: float | None,
) -> tuple[Cue, ...]:
    """Cues with their times: extended to be read, chained across short gaps, never overlapping.

    A cue too fast to read stays up to max_extend after its last word, then shows a little before its first
    word, into the silence the cue before leaves (each within max_duration, min_gap from its neighbours).
    The first cue never shows before its first word."""
    starts = [words[i].start for i, _ in groups]
    chars = [sum(len(line) for line in cue_lines) for cue_lines in lines]
    ends = _ends(groups, chars, words, options, starts, math.inf if duration is None else duration)
    for k, (i, _) in enumerate(groups):  # too fast still: show earlier, into the silence before
        short = chars[k] / options.max_cps - (ends[k] - starts[k])
        if k and short > _EPSILON:  # not the first: no cue shows before anyone has spoken
            earliest = max(words[i].start - max_lead_in(options), ends[k] - options.max_duration, ends[k - 1] + options.min_gap)
            starts[k] = min(starts[k], max(starts[k] - short, earliest))
    for k in range(len(groups) - 1):  # a blink between two cues reads as flicker: close it up to min_gap
        if starts[k + 1] - ends[k] < options.chain_gap:
            ends[k] = max(ends[k], min(starts[k + 1] - options.min_gap, starts[k] + options.max_duration))
    if duration is not None:  # walk back from the media's end, keeping every cue at least TINY long
        limit = duration
        for k in reversed(range(len(ends))):
            ends[k] = min(ends[k], limit)
            starts[k] = min(starts[k], ends[k] - TINY)
            limit = starts[k] - options.min_gap
    shown = [tuple(words[i:j]) for i, j in groups]
    return tuple(Cue(s, e, ls, ws) for s, e, ls, ws in zip(starts, ends, lines, shown, strict=True))


def _ends(
    groups: list[tuple[int, int]],
    chars: list[int],
    words: list[Word],
    options: CueOptions,
    starts: list[float],
    duration: float,
) -> list[float]:
    """Each cue's end: long enough to be read (up to max_extend after its last word), never into the next
    cue nor past the media's end; a cue the next one follows too soon to be seen at all pushes that one's
    start (in `starts`)."""
    ends = []
    for k, (_, j) in enumerate(groups):
        start, spoken_end = starts[k], words[j - 1].end
        reading = start + chars[k] / options.max_cps
        end = max(spoken_end, min(reading, spoken_end + options.max_extend), start + options.min_duration)
        has_next = k + 1 < len(groups)
        end = min(end, start + options.max_duration, starts[k + 1] - options.min_gap if has_next else duration)
        floor = start + min(options.min_duration, max(spoken_end - start, TINY))
        if has_next and end < floor:
            # The next cue comes too soon for this one to be seen at all: it waits a moment instead.
            end = floor
            starts[k + 1] = max(starts[k + 1], floor + options.min_gap)
        ends.append(end)
    return ends

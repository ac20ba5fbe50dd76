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

from subtitler.lines import Token, display_width, lay_out, tokenize
from subtitler.model import Cue, Word
from subtitler.options import CueOptions

__all__ = ["Problem", "Rule", "break_lines", "clean_words", "cue_violations", "display_width", "make_cues"]

TINY = 0.01  # seconds: the least a word or a cue lasts
_OPENING = frozenset("¿¡([{«“‘„‹「『（【")
_EPSILON = 1e-6

# Cue costs. A cue ending mid-phrase costs more than one more cue, so cues end where the sense does.
_PER_CUE = 4.0
_MID_PHRASE, _BEFORE_CONNECTIVE, _AFTER_CLAUSE = 16.0, 9.0, 4.0
_AFTER_BINDING = 12.0  # ending on "the", "of", "and": the reader waits for the next cue to make sense
_PAUSE_RELIEF = 0.7  # a pause near max_pause takes this share off a mid-sentence boundary
_STRADDLE = 6.0  # a cue holding a sentence end that starts or ends mid-sentence
_EMPTY_SPACE = 4.0  # times the squared unused share of the cue's lines
_FRAGMENT = 8.0  # one or two short words alone
_TOO_FAST = 10.0  # times the share by which characters per second pass max_cps
_TOO_BRIEF = 5.0  # times the share of min_duration the cue cannot stay up


def break_lines(text_tokens: Sequence[str], options: CueOptions, language: str = "") -> tuple[str, ...] | None:
    """Lines for one cue's words (" Hello", " world."): balanced, broken where the sense allows.

    None when the words do not fit max_lines lines; a single word wider than a line is its own line.
    """
    return lay_out(tokenize(text_tokens, language), options.max_chars_per_line, options.max_lines)


class Rule(StrEnum):
    """A rule every cue obeys; the value is its id in the review report."""

    LINES = "lines"
    CHARS_PER_LINE = "chars_per_line"
    TIMING = "timing"
    MIN_DURATION = "min_duration"
    MAX_DURATION = "max_duration"
    READING_SPEED = "reading_speed"

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
}


@dataclass(frozen=True)
class Problem:
    """One rule a cue breaks: its value and the limit it passes.

    Units by rule: lines (lines), columns (chars_per_line, with the line's number from 1), seconds (timing: the
    end and the start it must come after; min_duration and max_duration: the duration), characters per second
    (reading_speed)."""

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


def make_cues(words: Sequence[Word], options: CueOptions, duration: float | None = None, language: str = "") -> tuple[Cue, ...]:
    """Readable subtitle cues from Whisper's words; `duration` (the media's) bounds the last one.

    `language` picks the function words that good breaks avoid or prefer ("" = all known ones)."""
    cleaned = _glue_pieces(clean_words(words, duration))
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


def clean_words(words: Sequence[Word], duration: float | None = None) -> list[Word]:
    """Words fit to cut: no blanks, punctuation joined to its word, times in order and never zero."""
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
        return []
    texts[-1] += prefix

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
    return [Word(s, e, t, p) for s, e, t, p in zip(starts, ends, texts, probabilities, strict=True)]


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
    # How long the cue can stay up: until max_extend after its last word, or just before the next.
    until = words[j - 1].end + options.max_extend
    if j < len(words):
        until = min(until, words[j].start - options.min_gap)
    shown = min(until - words[i].start, options.max_duration)
    if shown < options.min_duration:
        cost += _TOO_BRIEF * (1.0 - max(shown, 0.0) / options.min_duration)
    cps = chars / max(shown, TINY)
    if cps > options.max_cps:
        cost += _TOO_FAST * (cps / options.max_cps - 1.0)
    return cost


def _timed(
    groups: list[tuple[int, int]],
    lines: list[tuple[str, ...]],
    words: list[Word],
    options: CueOptions,
    duration: float | None,
) -> tuple[Cue, ...]:
    """Cues with their times: extended to be read, chained across short gaps, never overlapping."""
    starts = [words[i].start for i, _ in groups]
    ends = []
    for k, (_, j) in enumerate(groups):
        start, spoken_end = starts[k], words[j - 1].end
        reading = start + sum(len(line) for line in lines[k]) / options.max_cps
        end = max(spoken_end, min(reading, spoken_end + options.max_extend), start + options.min_duration)
        has_next = k + 1 < len(groups)
        limit = starts[k + 1] - options.min_gap if has_next else math.inf
        if has_next and starts[k + 1] - end < options.chain_gap:
            end = limit  # a blink between two cues reads as flicker: close it up to min_gap
        end = min(end, start + options.max_duration, limit)
        floor = start + min(options.min_duration, max(spoken_end - start, TINY))
        if has_next and end < floor:
            # The next cue comes too soon for this one to be seen at all: it waits a moment instead.
            end = floor
            starts[k + 1] = max(starts[k + 1], floor + options.min_gap)
        ends.append(end)
    if duration is not None:  # walk back from the media's end, keeping every cue at least TINY long
        limit = duration
        for k in reversed(range(len(ends))):
            ends[k] = min(ends[k], limit)
            starts[k] = min(starts[k], ends[k] - TINY)
            limit = starts[k] - options.min_gap
    shown = [tuple(words[i:j]) for i, j in groups]
    return tuple(Cue(s, e, ls, ws) for s, e, ls, ws in zip(starts, ends, lines, shown, strict=True))

"""One cue's words laid out in lines: display width, where a break reads well, the best layout."""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from subtitler import grammar

SENTENCE_END = frozenset(".?!…。？！．｡‼⁇⁈⁉")
CLAUSE_END = frozenset(",;:—–、，；：")
CLOSERS = "\"'”’»›)]}」』）】"

# Layout costs. Between two lines, breaking after a comma rather than mid-phrase is worth about 20
# characters of difference in their lengths.
_AFTER_CLAUSE, _BEFORE_CONNECTIVE, _PLAIN_BREAK, _AFTER_BINDING = 1.0, 2.0, 4.0, 8.0
_IMBALANCE, _TOP_HEAVY = 0.5, 2.0


def display_width(text: str) -> int:
    """Columns the text takes on screen: East Asian wide and fullwidth characters count 2, marks 0."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


@dataclass(frozen=True, slots=True)
class Token:
    """One word as a line sees it: what joins it to the word before, its text, and its kind."""

    space: str  # " " or "" (Chinese and Japanese words join without one)
    text: str
    width: int
    ends_sentence: bool
    ends_clause: bool
    binds_forward: bool  # it belongs with the next word ("the", "je", "40" before "seconds"): no line or cue ends on it
    connective: bool  # a preposition or conjunction: a good word to start a line or cue with


def tokenize(texts: Sequence[str], language: str = "") -> list[Token]:
    """Tokens from words as Whisper writes them (" Hello"); blank words are dropped.

    Whether a word binds to the next one comes from the language's grammar (`subtitler/grammar/`), which
    also looks at the next word: "40" binds to "seconds", "sais" to "pas"."""
    rules = grammar.for_language(language)
    words = [(raw, " ".join(raw.split())) for raw in texts]
    words = [(raw, text) for raw, text in words if text]
    tokens = []
    for k, (raw, text) in enumerate(words):
        mark = text.rstrip(CLOSERS)[-1:]
        following = words[k + 1][1] if k + 1 < len(words) else ""
        tokens.append(
            Token(
                space=" " if raw[0].isspace() else "",
                text=text,
                width=display_width(text),
                ends_sentence=mark in SENTENCE_END,
                ends_clause=mark in CLAUSE_END,
                binds_forward=rules.binds(text, following),
                connective=rules.opens(text),
            )
        )
    return tokens


def join(tokens: Sequence[Token]) -> str:
    return "".join(t.space + t.text for t in tokens).strip()


def min_lines(tokens: Sequence[Token], max_chars: int) -> int | None:
    """The fewest lines the tokens fit in (filling each line greedily is optimal), None if one is too wide."""
    return _fewest_lines(tokens, max_chars)[0] if tokens else 0


def _fewest_lines(tokens: Sequence[Token], max_chars: int) -> list[int | None]:
    """For each start p, the fewest lines tokens[p:] fit in (None if one token is too wide), in linear time:
    a greedy line from p ends no later than a greedy line from p + 1."""
    n = len(tokens)
    ends = _ends(tokens)
    need: list[int | None] = [None] * n + [0]
    stop = 0  # past the last token of the greedy line from p
    for p in reversed(range(n)):
        if tokens[p].width > max_chars:
            stop = p
            continue
        stop = max(stop, p + 1)
        while stop > p + 1 and ends[stop] - ends[p] - len(tokens[p].space) > max_chars:
            stop -= 1
        rest = need[stop]
        need[p] = None if rest is None else 1 + rest
    return need


def _ends(tokens: Sequence[Token]) -> list[int]:
    ends = [0]
    for token in tokens:
        ends.append(ends[-1] + len(token.space) + token.width)
    return ends


def lay_out(tokens: Sequence[Token], max_chars: int, max_lines: int) -> tuple[str, ...] | None:
    """The best-reading lines for one cue, in as few lines as fit; None if they do not fit max_lines."""
    found = _best_layout(tokens, max_chars, max_lines)
    if found is None:
        return None
    bounds = (0, *found[1], len(tokens))
    return tuple(join(tokens[a:b]) for a, b in itertools.pairwise(bounds)) if tokens else ()


def breaks_cost(tokens: Sequence[Token], max_chars: int, max_lines: int) -> float | None:
    """How well the breaks of the best lines for these tokens read (0 for one line, more for a break that
    splits what belongs together); None if they do not fit max_lines."""
    found = _best_layout(tokens, max_chars, max_lines)
    return None if found is None else sum(break_cost(tokens[c - 1], tokens[c]) for c in found[1])


def _best_layout(tokens: Sequence[Token], max_chars: int, max_lines: int) -> tuple[float, tuple[int, ...]] | None:
    """The cheapest line breaks (token indices) in as few lines as fit, and their cost."""
    n = len(tokens)
    ends = _ends(tokens)

    def width(a: int, b: int) -> int:
        return ends[b] - ends[a] - len(tokens[a].space)

    if n <= 1 or width(0, n) <= max_chars:
        return 0.0, ()
    need = _fewest_lines(tokens, max_chars)
    count = need[0]
    if count is None or count > max_lines:
        return None

    def cuts(start: int, lines: int) -> Iterator[tuple[int, ...]]:
        if lines == 1:
            if width(start, n) <= max_chars:
                yield ()
            return
        for end in range(start + 1, n):
            if width(start, end) > max_chars:
                return
            rest = need[end]
            if rest is not None and rest <= lines - 1:
                yield from ((end, *more) for more in cuts(end, lines - 1))

    def cost(cut: tuple[int, ...]) -> float:
        bounds = (0, *cut, n)
        widths = [width(a, b) for a, b in itertools.pairwise(bounds)]
        mean = sum(widths) / len(widths)
        total = _IMBALANCE * sum((w - mean) ** 2 for w in widths) / max_chars
        # A slightly bottom-heavy pyramid reads best: a top line longer than the one below costs a little.
        total += _TOP_HEAVY * sum(max(0, a - b) for a, b in itertools.pairwise(widths)) / max_chars
        return total + sum(break_cost(tokens[c - 1], tokens[c]) for c in cut)

    return min((cost(cut), cut) for cut in cuts(0, count))


def break_cost(before: Token, after: Token) -> float:
    """How badly a line break between two words reads: free after a sentence, worst after "the"."""
    if before.ends_sentence:
        cost = 0.0
    elif before.ends_clause:
        cost = _AFTER_CLAUSE
    elif after.connective:
        cost = _BEFORE_CONNECTIVE
    else:
        cost = _PLAIN_BREAK
    return cost + (_AFTER_BINDING if before.binds_forward else 0.0)

"""One cue's words laid out in lines: display width, where a break reads well, the best layout."""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

SENTENCE_END = frozenset(".?!…。？！．｡‼⁇⁈⁉")
CLAUSE_END = frozenset(",;:—–、，；：")
_CLOSERS = "\"'”’»›)]}」』）】"

# Per language: words a line should not end on (articles, determiners, and everything in the second
# group), then the prepositions and conjunctions, which a line may well start with.
_FUNCTION_WORDS: dict[str, tuple[str, str]] = {
    "en": (
        "the a an my your his its our their this these those",
        "of to in on at for with from by about into onto over under between through without along across"
        " around behind before after during until against among toward towards upon within"
        " and or but nor so because if that when while although though than",
    ),
    "fr": (
        "le la les un une des ce cet cette ces mon ma mes ton ta tes son sa ses",
        "de du au aux à en dans sur sous pour par avec sans chez vers entre et ou mais donc car que qui si quand comme",
    ),
    "es": (
        "el la los las un una unos unas mi mis tu tus su sus este esta estos estas",
        "de del a al en con por para sin sobre entre hacia desde hasta y e o u pero que si porque cuando como ni",
    ),
    "de": (
        "der die das den dem des ein eine einen einem einer eines mein meine sein seine",
        "von vom zu zum zur mit auf in im an am bei beim für aus nach über unter durch gegen ohne um"
        " und oder aber denn dass wenn weil als ob",
    ),
    "ca": (
        "el la els les un una uns unes meu meva seu seva",
        "de del dels a al als en amb per pel pels sense sobre entre cap des fins i o però que si perquè quan com ni",
    ),
    "it": (
        "il lo la i gli le un uno una",
        "di del dello della dei degli delle a al allo alla ai agli alle da in nel nella con su sul per tra fra"
        " e ed o ma che se perché quando come",
    ),
    "pt": (
        "o a os as um uma uns umas meu minha seu sua",
        "de do da dos das em no na nos nas a ao aos pelo pela com por para sem sobre entre até desde"
        " e ou mas que se porque quando como nem",
    ),
}
_BINDING = {lang: frozenset(f"{det} {conn}".split()) for lang, (det, conn) in _FUNCTION_WORDS.items()}
_CONNECTIVE = {lang: frozenset(conn.split()) for lang, (_, conn) in _FUNCTION_WORDS.items()}
_BINDING[""] = frozenset().union(*_BINDING.values())
_CONNECTIVE[""] = frozenset().union(*_CONNECTIVE.values())

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
    binds_forward: bool  # an article, preposition or conjunction: no line or cue should end on it
    connective: bool  # a preposition or conjunction: a good word to start a line or cue with


def tokenize(texts: Sequence[str], language: str = "") -> list[Token]:
    """Tokens from words as Whisper writes them (" Hello"); blank words are dropped."""
    lang = language.lower().replace("_", "-").split("-")[0]
    binding, connective = _BINDING.get(lang, _BINDING[""]), _CONNECTIVE.get(lang, _CONNECTIVE[""])
    tokens = []
    for raw in texts:
        text = " ".join(raw.split())
        if not text:
            continue
        mark = text.rstrip(_CLOSERS)[-1:]
        key = text.lower() if text[-1].isalnum() else ""  # "of," ends a clause, not a phrase
        tokens.append(
            Token(
                space=" " if raw[0].isspace() else "",
                text=text,
                width=display_width(text),
                ends_sentence=mark in SENTENCE_END,
                ends_clause=mark in CLAUSE_END,
                binds_forward=key in binding,
                connective=text.lower().strip("¿¡\"'“‘«(") in connective,
            )
        )
    return tokens


def join(tokens: Sequence[Token]) -> str:
    return "".join(t.space + t.text for t in tokens).strip()


def min_lines(tokens: Sequence[Token], max_chars: int) -> int | None:
    """The fewest lines the tokens fit in (filling each line greedily is optimal), None if one is too wide."""
    lines, current = 0, 0
    for token in tokens:
        if token.width > max_chars:
            return None
        joined = current + len(token.space) + token.width
        if lines and joined <= max_chars:
            current = joined
        else:
            lines, current = lines + 1, token.width
    return lines


def lay_out(tokens: Sequence[Token], max_chars: int, max_lines: int) -> tuple[str, ...] | None:
    """The best-reading lines for one cue, in as few lines as fit; None if they do not fit max_lines."""
    n = len(tokens)
    ends = [0]
    for token in tokens:
        ends.append(ends[-1] + len(token.space) + token.width)

    def width(a: int, b: int) -> int:
        return ends[b] - ends[a] - len(tokens[a].space)

    if n <= 1 or width(0, n) <= max_chars:
        return (join(tokens),) if tokens else ()
    need = [min_lines(tokens[p:], max_chars) for p in range(n)]
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

    best = min(cuts(0, count), key=cost)
    bounds = (0, *best, n)
    return tuple(join(tokens[a:b]) for a, b in itertools.pairwise(bounds))


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

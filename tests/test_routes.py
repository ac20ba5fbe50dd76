"""Choosing the engines for each target language (pure: catalogs written inline)."""

from __future__ import annotations

import pytest

from subtitler.errors import MissingPairError
from subtitler.routes import Catalog, find_route, plan

CATALOG = Catalog(
    pairs={
        "argos": frozenset({("de", "en"), ("en", "it"), ("en", "es")}),
        "apertium": frozenset({("en", "es"), ("es", "en"), ("fr", "es"), ("en", "ca")}),
    },
    whisper=True,
)


def route(source: str, target: str, only: str = "auto", catalog: Catalog = CATALOG) -> str:
    found = find_route(source, target, catalog, only)
    return str(found) if found else "-"


def test_whisper_is_the_way_into_english() -> None:
    assert route("fr", "en") == "whisper:fr>en"
    assert route("de", "en") == "whisper:de>en"  # before the Argos de-en package: it hears the speech
    assert route("de", "en", only="argos") == "argos:de>en"
    assert route("fr", "en", catalog=Catalog(CATALOG.pairs, whisper=False)) == "-"  # an English-only model


def test_a_direct_pair_prefers_argos_then_apertium() -> None:
    assert route("en", "es") == "argos:en>es"
    assert route("en", "es", only="apertium") == "apertium:en>es"
    assert route("en", "ca") == "apertium:en>ca"
    assert route("fr", "es") == "apertium:fr>es"


def test_no_direct_pair_pivots_through_english() -> None:
    assert route("de", "it") == "whisper:de>en, argos:en>it"  # Whisper hears the German; Argos goes on
    assert route("de", "it", only="argos") == "argos:de>en, argos:en>it"
    assert route("fr", "it") == "whisper:fr>en, argos:en>it"
    assert route("fr", "ca") == "whisper:fr>en, apertium:en>ca"
    assert route("fr", "it", only="argos") == "-"
    assert route("en", "de") == "-"


def test_plan_skips_the_spoken_language_and_names_what_is_missing() -> None:
    routes = plan("en", ["es", "en", "ca"], CATALOG)
    assert {k: str(v) for k, v in routes.items()} == {"es": "argos:en>es", "ca": "apertium:en>ca"}
    with pytest.raises(MissingPairError, match=r"English \(en\) into German \(de\)\. get one") as error:
        plan("en", ["es", "de"], CATALOG, hint=lambda source, target: ["get one"])
    assert (error.value.source, error.value.target) == ("en", "de")


def test_before_the_spoken_language_is_known_only_unreachable_targets_fail() -> None:
    assert plan(None, ["es", "it", "en"], CATALOG) == {}
    with pytest.raises(MissingPairError, match="the spoken language into German"):
        plan(None, ["es", "de"], CATALOG)
    with pytest.raises(MissingPairError, match="with --engine apertium"):
        plan(None, ["it"], CATALOG, only="apertium")


def test_the_catalog_order_is_the_order_of_preference() -> None:
    apertium_first = Catalog({"apertium": CATALOG.pairs["apertium"], "argos": CATALOG.pairs["argos"]}, whisper=True)
    assert route("en", "es", catalog=apertium_first) == "apertium:en>es"
    assert route("en", "es") == "argos:en>es"
    assert CATALOG.engines() == ["whisper", "argos", "apertium"]
    assert CATALOG.engines("apertium") == ["apertium"]
    assert CATALOG.engines("nllb") == []  # an engine not installed here has no hop to offer

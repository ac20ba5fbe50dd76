"""The languages a job is asked for, and a route into each, checked before any work."""

from __future__ import annotations

from subtitler import engines, model_store
from subtitler.model_store import ResolvedModel
from subtitler.options import SPOKEN, Options
from subtitler.routes import Route, plan


def targets(options: Options) -> list[str]:
    """The languages asked for (the burned one included), in the order given."""
    wanted = list(options.translate.to)
    burn = options.output.burn
    return list(dict.fromkeys([*wanted, burn] if burn and burn != SPOKEN else wanted))


def check_routes(options: Options, model: ResolvedModel, source: str | None) -> dict[str, Route]:
    """A route for each target language from `source` (None: not known yet); MissingPairError if one has none.

    Whisper's translation counts when some installed model can translate (`whisper_translator`): large-v3-turbo
    cannot (it answers in the spoken language), so with it alone the other engines take the hop into English."""
    wanted = targets(options)
    if not wanted:  # nothing to translate into: no engine to ask (Apertium's pair list costs a process)
        return {}
    multilingual = model_store.is_multilingual(model.path)
    catalog = engines.catalog(bool(wanted) and model_store.whisper_can_translate(model))
    return plan(source if multilingual else "en", wanted, catalog, options.translate.engine, engines.hints)


def whisper_translator(model: ResolvedModel) -> ResolvedModel | None:
    """The model a Whisper translation hop runs with: the transcribing one, or (large-v3-turbo transcribes) the best
    installed model that translates; None when there is none (then no route has a Whisper hop)."""
    return model_store.translator(model)

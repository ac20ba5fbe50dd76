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
    """A route for each target language from `source` (None: not known yet); MissingPairError if one has none."""
    multilingual = model_store.is_multilingual(model.path)
    catalog = engines.catalog(multilingual)
    return plan(source if multilingual else "en", targets(options), catalog, options.translate.engine, engines.hints)

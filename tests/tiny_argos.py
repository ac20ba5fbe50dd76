"""Build a real, tiny Argos Translate package from nothing: a SentencePiece model trained on a few lines and
a 2-layer CTranslate2 Transformer with seeded random weights, zipped with metadata.json as an .argosmodel.

Its translations are meaningless random pieces: it exists to test loading, batching and plumbing.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import sentencepiece
from ctranslate2.specs import common_spec, transformer_spec

from subtitler import languages


@dataclass(frozen=True)
class Shape:
    d_model: int = 32
    ffn: int = 64
    layers: int = 2
    heads: int = 2
    vocabulary: int = 0  # pad the vocabulary with pieces never produced to this size (0: SentencePiece's own)
    quantization: str | None = None  # as CTranslate2 stores the weights (Argos packages ship int8)


TINY = Shape()
# The shape of Argos Translate's models (a Transformer "base": 6 + 6 layers, 512 wide, ~32k pieces), for timing.
ARGOS_SIZED = Shape(d_model=512, ffn=2048, layers=6, heads=8, vocabulary=32000, quantization="int8")
EMBEDDING_STD = 0.2  # small enough (x sqrt(d_model) in the model) that the source sentence steers the output
# Random weights decode into endless loops: the decoder's position table carries a ramp in dimension 0 that
# only the </s> logit reads, so every output ends after a few pieces, at a length that depends on the input.
MAX_POSITIONS = 512
RAMP = 0.25
EOS_WEIGHT = 4.0
EOS_BIAS = -6.0
NEVER = -1e4

_WORDS = (
    "the cat sleeps on the warm red chair while the old dog watches the garden",
    "we are going to the market tomorrow morning to buy bread cheese and fresh fruit",
    "der Hund läuft schnell über die grüne Wiese und bellt laut nach den Vögeln",
    "ich habe heute keine Zeit aber morgen können wir zusammen ins Kino gehen",
    "il gatto dorme sulla sedia rossa mentre il cane guarda il giardino",
    "domani mattina andiamo al mercato a comprare pane formaggio e frutta fresca",
)


def _corpus() -> list[str]:
    # ~50 short lines: every sentence whole, then each cut into halves and shuffled word windows.
    lines = list(_WORDS)
    for sentence in _WORDS:
        words = sentence.split()
        for start in range(0, len(words) - 3, 2):
            lines.append(" ".join(words[start : start + 4]).capitalize() + ".")
    return lines


@lru_cache(maxsize=1)
def sentencepiece_model() -> bytes:
    """The serialized SentencePiece model, trained once per process."""
    with tempfile.TemporaryDirectory(prefix="tiny-argos-sp-") as tmp:
        corpus = Path(tmp) / "corpus.txt"
        corpus.write_text("\n".join(_corpus()) + "\n", encoding="utf-8")
        sentencepiece.SentencePieceTrainer.train(
            input=str(corpus),
            model_prefix=str(Path(tmp) / "sp"),
            vocab_size=200,
            model_type="unigram",
            hard_vocab_limit=False,
            character_coverage=1.0,
            minloglevel=2,
        )
        return (Path(tmp) / "sp.model").read_bytes()


def _vocabulary(model: bytes) -> list[str]:
    sp = sentencepiece.SentencePieceProcessor(model_proto=model)
    return [sp.id_to_piece(i) for i in range(sp.get_piece_size())]


def _set_linear(spec: common_spec.LinearSpec, rng: np.random.Generator, out_dim: int, in_dim: int) -> None:
    spec.weight = rng.normal(0.0, in_dim**-0.5, (out_dim, in_dim)).astype(np.float32)
    spec.bias = np.zeros(out_dim, dtype=np.float32)


def _set_norm(spec: common_spec.LayerNormSpec, width: int) -> None:
    spec.gamma = np.ones(width, dtype=np.float32)
    spec.beta = np.zeros(width, dtype=np.float32)


def _set_ffn(spec: transformer_spec.FeedForwardSpec, rng: np.random.Generator, shape: Shape) -> None:
    _set_norm(spec.layer_norm, shape.d_model)
    _set_linear(spec.linear_0, rng, shape.ffn, shape.d_model)
    _set_linear(spec.linear_1, rng, shape.d_model, shape.ffn)


def _random_transformer(
    pieces: list[str], seed: int, shape: Shape, extra: tuple[str, ...] = ()
) -> transformer_spec.TransformerSpec:
    """`extra`: pieces the model has but never writes by itself (a target prefix: only when the decoder is made to)."""
    rng = np.random.default_rng(seed)
    width = shape.d_model
    vocabulary = pieces + list(extra) + [f"▁unused{k}" for k in range(max(0, shape.vocabulary - len(pieces) - len(extra)))]
    size = len(vocabulary)
    spec = transformer_spec.TransformerSpec.from_config(num_layers=shape.layers, num_heads=shape.heads)
    encoder, decoder = spec.encoder, spec.decoder
    encoder.embeddings[0].weight = rng.normal(0.0, EMBEDDING_STD, (size, width)).astype(np.float32)
    _set_norm(encoder.layer_norm, width)
    for layer in encoder.layer:
        _set_norm(layer.self_attention.layer_norm, width)
        _set_linear(layer.self_attention.linear[0], rng, 3 * width, width)  # fused query, key, value
        _set_linear(layer.self_attention.linear[1], rng, width, width)
        _set_ffn(layer.ffn, rng, shape)
    decoder.embeddings.weight = rng.normal(0.0, EMBEDDING_STD, (size, width)).astype(np.float32)
    positions = np.zeros((MAX_POSITIONS, width), dtype=np.float32)
    positions[:, 0] = RAMP * np.arange(MAX_POSITIONS)
    decoder.position_encodings.encodings = positions
    _set_norm(decoder.layer_norm, width)
    for layer in decoder.layer:
        _set_norm(layer.self_attention.layer_norm, width)
        _set_linear(layer.self_attention.linear[0], rng, 3 * width, width)
        _set_linear(layer.self_attention.linear[1], rng, width, width)
        _set_norm(layer.attention.layer_norm, width)
        _set_linear(layer.attention.linear[0], rng, width, width)  # query
        _set_linear(layer.attention.linear[1], rng, 2 * width, width)  # fused key, value of the encoder output
        _set_linear(layer.attention.linear[2], rng, width, width)
        _set_ffn(layer.ffn, rng, shape)
    _set_linear(decoder.projection, rng, size, width)
    weight, bias = decoder.projection.weight, decoder.projection.bias
    eos = vocabulary.index("</s>")
    weight[:, 0] = 0.0
    weight[eos] = 0.0
    weight[eos, 0], bias[eos] = EOS_WEIGHT, EOS_BIAS
    for control in ("<unk>", "<s>"):  # pieces that decode to nothing
        bias[vocabulary.index(control)] = NEVER
    bias[len(pieces) :] = NEVER  # the extra and padding pieces, which SentencePiece cannot decode
    spec.register_source_vocabulary(vocabulary)
    spec.register_target_vocabulary(vocabulary)
    spec.validate()
    spec.optimize(quantization=shape.quantization)
    return spec


def _metadata(source: str, target: str, target_prefix: str) -> dict[str, object]:
    return {
        "package_version": "1.0",
        "argos_version": "1.0",
        "from_code": source,
        "from_name": languages.get(source).name,
        "to_code": target,
        "to_name": languages.get(target).name,
        "type": "translate",
        "links": [],
    } | ({"target_prefix": target_prefix} if target_prefix else {})


def build_package(workdir: Path, source: str, target: str, seed: int = 0, shape: Shape = TINY, target_prefix: str = "") -> Path:
    """Write `translate-<source>_<target>-1_0.argosmodel` into `workdir` (built under workdir/build) and return it.

    `target_prefix` ("__de__"): as in a multilingual Argos model, a piece of the model's vocabulary that the
    decoder must be made to start with, named in metadata.json; the model never writes it by itself."""
    top = f"translate-{source}_{target}-1_0"
    folder = workdir / "build" / f"{top}-{seed}"
    (folder / "model").mkdir(parents=True)
    model = sentencepiece_model()
    (folder / "sentencepiece.model").write_bytes(model)
    (folder / "metadata.json").write_text(json.dumps(_metadata(source, target, target_prefix), indent=2), encoding="utf-8")
    extra = (target_prefix,) if target_prefix else ()
    _random_transformer(_vocabulary(model), seed, shape, extra).save(str(folder / "model"))
    archive = workdir / f"{top}.argosmodel"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.mkdir(top)
        for path in sorted(folder.rglob("*")):
            name = f"{top}/{path.relative_to(folder).as_posix()}"
            if path.is_dir():
                zf.mkdir(name)
            else:
                zf.write(path, name)
    return archive

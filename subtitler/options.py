"""Options for each stage, and presets: defaults < preset < command line.

`presets/default.toml` holds every default value; a preset names `extends = "default"` (or
another preset) and changes a few keys. Unknown tables or keys fail and list the valid ones.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from subtitler import languages
from subtitler.errors import PresetError
from subtitler.resources import resource_dir


@dataclass(frozen=True)
class TranscribeOptions:
    model: str
    device: str
    compute_type: str
    threads: int
    language: str
    language_detection_segments: int
    language_detection_threshold: float
    beam_size: int
    batch_size: int
    vad: bool
    vad_min_silence_ms: int
    vad_speech_pad_ms: int
    condition_on_previous_text: bool
    no_speech_threshold: float
    log_prob_threshold: float
    compression_ratio_threshold: float
    hallucination_silence_threshold: float
    drop_no_speech_above: float
    drop_logprob_below: float
    hotwords: str
    prompt: str
    sound_cues: bool


@dataclass(frozen=True)
class CueOptions:
    max_chars_per_line: int
    max_lines: int
    min_duration: float
    max_duration: float
    max_cps: float
    min_gap: float
    chain_gap: float
    max_pause: float
    max_extend: float
    max_words: int


@dataclass(frozen=True)
class TranslateOptions:
    to: tuple[str, ...]
    engine: str
    glossary: str
    beam_size: int
    batch_size: int
    max_sentence_chars: int


@dataclass(frozen=True)
class StyleOptions:
    font: str
    font_size: float
    min_font_size_px: int
    bold: bool
    primary_colour: str
    outline_colour: str
    back_colour: str
    back_opacity: float
    border_style: str
    outline: float
    shadow: float
    alignment: str
    margin_vertical: float
    margin_horizontal: float
    char_width_em: float
    default_play_res: tuple[int, int]
    highlight: str
    highlight_colour: str
    highlight_scale: float


@dataclass(frozen=True)
class OutputOptions:
    formats: tuple[str, ...]
    mux: bool
    burn: str
    mkv_subtitle_codec: str
    fallback_container: str


@dataclass(frozen=True)
class EncodeOptions:
    video_codec: str
    crf: int
    x264_preset: str
    pixel_format: str
    audio_fallback_codec: str
    audio_fallback_bitrate: str


@dataclass(frozen=True)
class EnhanceOptions:
    upscale: int
    upscale_method: str
    upscale_model: str
    sharpen: float
    workers: int
    audio: bool
    loudness: float
    true_peak: float
    loudness_range: float
    denoise: str
    denoise_model: str


@dataclass(frozen=True)
class ReviewOptions:
    report: bool
    unsure_below: float


@dataclass(frozen=True)
class Options:
    transcribe: TranscribeOptions
    cues: CueOptions
    translate: TranslateOptions
    style: StyleOptions
    output: OutputOptions
    encode: EncodeOptions
    review: ReviewOptions
    enhance: EnhanceOptions
    preset: str = "default"
    force: bool = False
    # [portrait.cues] and [portrait.style]: what changes when the displayed picture is taller than wide
    portrait: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)


PORTRAIT_SECTIONS = ("cues", "style")
SECTIONS: dict[str, type] = {
    "transcribe": TranscribeOptions,
    "cues": CueOptions,
    "translate": TranslateOptions,
    "style": StyleOptions,
    "output": OutputOptions,
    "encode": EncodeOptions,
    "review": ReviewOptions,
    "enhance": EnhanceOptions,
}
CHOICES: dict[tuple[str, str], tuple[object, ...]] = {
    ("transcribe", "device"): ("auto", "cpu", "cuda"),
    ("translate", "engine"): ("auto", "whisper", "argos", "apertium"),
    ("style", "border_style"): ("outline", "box"),
    ("style", "alignment"): ("bottom", "top", "middle"),
    ("style", "highlight"): ("none", "colour", "scale", "both"),
    ("enhance", "upscale"): (1, 2, 3, 4),
    ("enhance", "upscale_method"): ("lanczos", "fsrcnn", "fsrcnn-small", "espcn", "lapsrn"),
    ("enhance", "denoise"): ("none", "afftdn", "arnndn"),
    ("output", "mkv_subtitle_codec"): ("srt", "ass"),
    ("output", "fallback_container"): ("mkv",),
}
FORMATS = ("srt", "vtt", "ass", "json", "txt")
SPOKEN = "spoken"  # [output] burn = "spoken": burn the language that was spoken, whichever it is
USER_PRESET_DIR = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "subtitler" / "presets"


def builtin_presets() -> dict[str, Path]:
    return {p.stem: p for p in sorted(resource_dir("presets").glob("*.toml"))}


def user_presets() -> dict[str, Path]:
    return {p.stem: p for p in sorted(USER_PRESET_DIR.glob("*.toml"))} if USER_PRESET_DIR.is_dir() else {}


def find_preset(name_or_path: str) -> Path:
    """A preset file by name (user folder first, then built-in) or by path."""
    if name_or_path.endswith(".toml") or os.sep in name_or_path:
        path = Path(name_or_path)
        if not path.is_file():
            raise PresetError(f"preset file not found: {name_or_path}")
        return path
    known = {**builtin_presets(), **user_presets()}
    if name_or_path not in known:
        raise PresetError(f"unknown preset '{name_or_path}'; known presets: {', '.join(sorted(known))}")
    return known[name_or_path]


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PresetError(f"cannot read preset {path}: {exc}") from exc


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """`top` over `base`, table by table ([portrait.style] keys too)."""
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def preset_table(name_or_path: str, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The preset's tables with everything it extends merged in (default last)."""
    path = find_preset(name_or_path).resolve()
    if path in _seen:
        raise PresetError(f"preset {path} extends itself in a loop")
    data = _read_toml(path)
    is_root = path == builtin_presets()["default"].resolve()  # every other preset extends it unless told otherwise
    parent = data.pop("extends", None if is_root else "default")
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise PresetError(f"'extends' in {path} must be a preset name or file")
    if not os.path.isabs(parent) and parent.endswith(".toml"):
        parent = str(path.parent / parent)
    return _merge(preset_table(parent, (*_seen, path)), data)


def _coerce(section: str, key: str, value: Any, annotation: str) -> Any:
    kinds: dict[str, type | tuple[type, ...]] = {"int": int, "float": (int, float), "bool": bool, "str": str}
    if annotation.startswith("tuple"):
        if not isinstance(value, list | tuple):
            raise PresetError(f"[{section}] {key} must be a list", key)
        return tuple(value)
    expected = kinds[annotation]
    if (isinstance(value, bool) and annotation != "bool") or not isinstance(value, expected):
        raise PresetError(f"[{section}] {key} must be a {annotation}, not {value!r}", key)
    choices = CHOICES.get((section, key))
    if choices and value not in choices:
        valid = tuple(str(choice) for choice in choices)
        raise PresetError(f"[{section}] {key} must be one of {', '.join(valid)}, not {value!r}", key, valid)
    return float(value) if annotation == "float" else value  # type: ignore[arg-type]


def build_section(section: str, values: dict[str, Any]) -> Any:
    cls = SECTIONS[section]
    valid = tuple(f.name for f in fields(cls))
    for key in values:
        if key not in valid:
            raise PresetError(f"unknown key '{key}' in [{section}]; valid keys: {', '.join(valid)}", key, valid)
    missing = [name for name in valid if name not in values]
    if missing:
        raise PresetError(f"[{section}] lacks {', '.join(missing)} (is default.toml complete?)")
    return cls(**{f.name: _coerce(section, f.name, values[f.name], str(f.type)) for f in fields(cls)})


def load_options(preset: str = "default", overrides: dict[str, dict[str, Any]] | None = None, force: bool = False) -> Options:
    """Options from a preset, with the command line's values (those not None) on top."""
    table = preset_table(preset)
    portrait = table.pop("portrait", {})
    for section in table:
        if section not in SECTIONS:
            valid = (*SECTIONS, "portrait")
            raise PresetError(f"unknown table [{section}]; valid tables: {', '.join(valid)}", section, valid)
    for section in portrait:
        if section not in PORTRAIT_SECTIONS:
            valid = tuple(f"portrait.{s}" for s in PORTRAIT_SECTIONS)
            raise PresetError(f"unknown table [portrait.{section}]; valid tables: {', '.join(valid)}", section, valid)
    for section, values in (overrides or {}).items():
        given = {k: v for k, v in values.items() if v is not None}
        table[section] = {**table.get(section, {}), **given}
    built = {name: build_section(name, table.get(name, {})) for name in SECTIONS}
    options = validate(Options(**built, preset=preset, force=force, portrait=portrait))
    for_picture(options, portrait=True)  # the portrait layout is checked now, not when a portrait video comes
    return options


def for_picture(options: Options, portrait: bool) -> Options:
    """The options for a picture of this orientation: the preset's [portrait.*] keys apply to portrait ones."""
    if not portrait or not options.portrait:
        return options
    changed = {}
    for section, values in options.portrait.items():
        current = dataclasses.asdict(getattr(options, section))
        for key in values:
            if key not in current:
                valid = ", ".join(current)
                raise PresetError(f"unknown key '{key}' in [portrait.{section}]; valid keys: {valid}", key, tuple(current))
        changed[section] = build_section(section, {**current, **values})
    return validate(dataclasses.replace(options, **changed, portrait={}))


def _languages(codes: tuple[str, ...], what: str) -> tuple[str, ...]:
    try:
        return tuple(dict.fromkeys(languages.normalize(code) for code in codes))
    except ValueError as exc:
        raise PresetError(f"{what}: {exc}") from exc


def validate(options: Options) -> Options:
    """The options checked, with language codes in their canonical form ("French" -> "fr")."""
    translate = dataclasses.replace(options.translate, to=_languages(options.translate.to, "[translate] to"))
    burn = options.output.burn
    if burn and burn != SPOKEN:
        burn = _languages((burn,), "[output] burn")[0]
    output = dataclasses.replace(options.output, burn=burn)
    options = dataclasses.replace(options, translate=translate, output=output)
    if translate.beam_size < 1 or translate.batch_size < 1 or translate.max_sentence_chars < 20:
        raise PresetError("[translate] needs beam_size >= 1, batch_size >= 1 and max_sentence_chars >= 20")
    unknown = [f for f in options.output.formats if f not in FORMATS]
    if unknown:
        raise PresetError(f"unknown format {', '.join(unknown)}; valid formats: {', '.join(FORMATS)}")
    cues = options.cues
    if cues.max_chars_per_line < 8 or cues.max_lines < 1:
        raise PresetError("cues need at least 8 characters a line and 1 line")
    if not 0 < cues.min_duration < cues.max_duration:
        raise PresetError("cues need 0 < min_duration < max_duration")
    if cues.max_cps <= 0 or cues.min_gap < 0 or cues.max_words < 0:
        raise PresetError("cues need max_cps > 0, min_gap >= 0 and max_words >= 0")
    return options


def as_dict(options: Options) -> dict[str, Any]:
    return dataclasses.asdict(options)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_toml(options: Options) -> str:
    """Every value the options hold, as a preset file would write them (the [portrait] keys last)."""
    lines = [f"# preset {options.preset}, with everything it extends"]
    for section in SECTIONS:
        lines.append(f"\n[{section}]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in dataclasses.asdict(getattr(options, section)).items()]
    for section, values in options.portrait.items():
        lines.append(f"\n[portrait.{section}]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"

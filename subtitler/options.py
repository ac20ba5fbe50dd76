"""Options for each stage, and presets: defaults < preset < command line.

`presets/default.toml` holds every default value; a preset names `extends = "default"` (or
another preset) and changes a few keys. Unknown tables or keys fail and list the valid ones.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import tomllib
import unicodedata
from dataclasses import dataclass, fields
from datetime import date, time
from pathlib import Path
from typing import Any

from subtitler import choices, languages
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
    snap_to_speech: bool = True  # word edges moved onto the audio's speech (speech_map.py)


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
    avoid: tuple[str, ...]  # choices.AVOID: what the burned text is moved away from, shot by shot


@dataclass(frozen=True)
class OutputOptions:
    formats: tuple[str, ...]
    mux: bool
    burn: str
    mkv_subtitle_codec: str
    fallback_container: str
    max_frame_pixels: int


@dataclass(frozen=True)
class EncodeOptions:
    video_codec: str  # choices.VIDEO_CODECS; "auto" is made a codec before any work (settings.job_settings)
    crf: int  # libx264, libx265
    x264_preset: str  # libx264, libx265
    nvenc_cq: int  # h264_nvenc, hevc_nvenc
    nvenc_preset: str  # h264_nvenc, hevc_nvenc
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
    # Translate the targets from a person's correction of the spoken language (`subtitler apply --retranslate`),
    # not from the machine's transcript; set in code, never by a preset (a target a person corrected is kept).
    retranslate: bool = False
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
    ("transcribe", "device"): choices.DEVICES,
    ("translate", "engine"): choices.ENGINES,
    ("style", "border_style"): choices.BORDER_STYLES,
    ("style", "alignment"): choices.ALIGNMENTS,
    ("style", "highlight"): choices.HIGHLIGHTS,
    ("enhance", "upscale"): choices.UPSCALE_FACTORS,
    ("enhance", "upscale_method"): choices.UPSCALE_METHODS,
    ("enhance", "denoise"): choices.DENOISERS,
    ("output", "mkv_subtitle_codec"): choices.MKV_SUBTITLE_CODECS,
    ("output", "fallback_container"): choices.FALLBACK_CONTAINERS,
    ("style", "avoid"): choices.AVOID,  # a list of these
}
FORMATS = choices.FORMATS
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
        try:
            found = path.is_file()
        except (OSError, ValueError):  # a name too long for the file system
            found = False
        if not found:
            raise PresetError(f"preset file not found: {_one_line(name_or_path, 300)}")
        return path
    known = {**builtin_presets(), **user_presets()}
    if name_or_path not in known:
        raise PresetError(f"unknown preset '{_one_line(name_or_path)}'; known presets: {', '.join(sorted(known))}")
    return known[name_or_path]


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:  # ValueError: not UTF-8, not TOML, an integer of 5000 digits
        raise PresetError(f"cannot read preset {path}: {_one_line(str(exc), 300)}") from exc


def _merge(base: dict[str, Any], top: dict[str, Any], depth: int = 2) -> dict[str, Any]:
    """`top` over `base`, table by table ([portrait.style] keys too); deeper, a value replaces the other whole."""
    merged = dict(base)
    for key, value in top.items():
        if depth and isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value, depth - 1)
        else:
            merged[key] = value
    return merged


def preset_table(name_or_path: str, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The preset's tables with everything it extends merged in (default last), at most MAX_EXTENDS presets deep."""
    path = find_preset(name_or_path).resolve()
    chain = (*_seen, path)
    names = [p.name for p in chain]
    if path in _seen:
        raise PresetError(f"preset {_seen[0]} extends itself in a loop ({' > '.join(names)})", "extends", value=names,
                          allowed="presets that do not extend themselves")  # fmt: skip
    if len(_seen) > MAX_EXTENDS:
        allowed = f"at most {MAX_EXTENDS} presets deep"
        raise PresetError(f"preset {_seen[0]} extends more than {MAX_EXTENDS} presets deep ({' > '.join(names)})",
                          "extends", value=names, allowed=allowed)  # fmt: skip
    data = _read_toml(path)
    is_root = path == builtin_presets()["default"].resolve()  # every other preset extends it unless told otherwise
    parent = data.pop("extends", None if is_root else "default")
    if parent is None:
        return data
    if not isinstance(parent, str) or not parent or _plain(parent) is not None:
        allowed = "must be a preset name or a .toml file"
        raise PresetError(f"{path}: extends = {_shown(parent)}: {allowed}", "extends", value=parent, allowed=allowed)
    if not os.path.isabs(parent) and parent.endswith(".toml"):
        parent = str(path.parent / parent)
    return _merge(preset_table(parent, chain), data)


# What a preset may hold is checked as it loads ("validate at the door"), so that nothing deeper meets a
# NaN, a zero width, or a name that ffmpeg or CTranslate2 refuse once a job has started.
MAX_EXTENDS = 10  # presets above a preset: what it extends, what that extends... (default included)
MAX_TEXT = 4096  # characters in a text value (a path, a prompt)
MAX_ITEMS = 100  # values in a list

# Every number a preset sets: (table, key) -> (lowest, highest), both allowed; the same in [portrait.*].
LIMITS: dict[tuple[str, str], tuple[float, float]] = {
    ("transcribe", "threads"): (0, 1024),  # 0 = every core
    ("transcribe", "language_detection_segments"): (1, 100),
    ("transcribe", "language_detection_threshold"): (0, 1),  # a probability
    ("transcribe", "beam_size"): (1, 20),
    ("transcribe", "batch_size"): (-1, 256),  # -1 = auto (from the device), 0 = sequential
    ("transcribe", "vad_min_silence_ms"): (0, 60_000),
    ("transcribe", "vad_speech_pad_ms"): (0, 10_000),
    ("transcribe", "no_speech_threshold"): (0, 1),  # a probability
    ("transcribe", "log_prob_threshold"): (-20, 0),  # an average log-probability
    ("transcribe", "compression_ratio_threshold"): (1, 50),  # gzip ratio of the text
    ("transcribe", "hallucination_silence_threshold"): (0, 60),  # seconds; 0 = off
    ("transcribe", "drop_no_speech_above"): (0, 1),
    ("transcribe", "drop_logprob_below"): (-20, 0),
    ("cues", "max_chars_per_line"): (8, 200),
    ("cues", "max_lines"): (1, 6),
    ("cues", "min_duration"): (0.1, 10),  # seconds, and less than max_duration
    ("cues", "max_duration"): (0.5, 60),
    ("cues", "max_cps"): (1, 100),
    ("cues", "min_gap"): (0, 2),
    ("cues", "chain_gap"): (0, 5),
    ("cues", "max_pause"): (0.1, 30),  # a pause is divided by it
    ("cues", "max_extend"): (0, 10),
    ("cues", "max_words"): (0, 50),  # 0 = any
    ("translate", "beam_size"): (1, 20),
    ("translate", "batch_size"): (1, 1024),
    ("translate", "max_sentence_chars"): (20, 10_000),
    ("style", "font_size"): (0.01, 0.5),  # of the picture height
    ("style", "min_font_size_px"): (1, 200),
    ("style", "back_opacity"): (0, 1),
    ("style", "outline"): (0, 0.1),  # of the picture height
    ("style", "shadow"): (0, 0.1),
    ("style", "margin_vertical"): (0, 0.45),  # of the picture: both margins leave a tenth at least
    ("style", "margin_horizontal"): (0, 0.45),
    ("style", "char_width_em"): (0.2, 2),  # a line's width is divided by it
    ("style", "default_play_res"): (16, 16384),  # width and height, pixels
    ("style", "highlight_scale"): (0.5, 3),
    ("output", "max_frame_pixels"): (16 * 16, 16384 * 16384),  # a re-encoded output's width times height
    ("encode", "crf"): (0, 51),  # x264 and x265's scale
    ("encode", "nvenc_cq"): (1, 51),  # NVENC's target quality (its 0 means "NVENC decides": not offered)
    ("encode", "audio_fallback_bitrate"): (8, 1024),  # kbit/s, written "192k"
    ("review", "unsure_below"): (0, 1),  # a probability
    ("enhance", "sharpen"): (0, 5),
    ("enhance", "workers"): (0, 256),  # 0 = every core
    ("enhance", "loudness"): (-70, -5),  # LUFS, loudnorm's range
    ("enhance", "true_peak"): (-9, 0),  # dBTP
    ("enhance", "loudness_range"): (1, 50),  # LU
}
# Names handed to CTranslate2 and ffmpeg as they are: the ones that work with what the code passes along.
NAMES: dict[tuple[str, str], tuple[str, ...]] = {
    ("transcribe", "compute_type"): (
        *("auto", "default", "int8", "int8_float32", "int8_float16", "int8_bfloat16"),
        *("int16", "float16", "bfloat16", "float32"),
    ),
    ("encode", "video_codec"): choices.VIDEO_CODECS,  # an NVENC one must also encode here: checked before any work
    ("encode", "x264_preset"): (  # x265 takes the same names
        *("ultrafast", "superfast", "veryfast", "faster", "fast", "medium"),
        *("slow", "slower", "veryslow", "placebo"),
    ),
    ("encode", "nvenc_preset"): ("p1", "p2", "p3", "p4", "p5", "p6", "p7"),  # fastest to best
    ("encode", "pixel_format"): ("yuv420p", "yuv422p", "yuv444p", "yuv420p10le", "yuv422p10le", "yuv444p10le"),
    ("encode", "audio_fallback_codec"): ("aac", "ac3", "eac3", "libmp3lame", "libopus"),  # what MP4 holds
}
COLOURS = {("style", "primary_colour"), ("style", "outline_colour"), ("style", "back_colour"), ("style", "highlight_colour")}
COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")
BITRATE = re.compile(r"([0-9]{1,5})k")
# Keys holding languages, and what else each may hold (with its meaning).
LANGUAGE_KEYS: dict[tuple[str, str], dict[str, str]] = {
    ("transcribe", "language"): {"": "detect"},
    ("translate", "to"): {},
    ("output", "burn"): {"": "none", SPOKEN: "whichever was spoken"},
}
NOT_EMPTY = {("transcribe", "model"), ("style", "font")}
MULTILINE = {("transcribe", "hotwords"), ("transcribe", "prompt")}  # may hold newlines and tabs
# Characters that would break a message's one line, or hide in it: shown escaped.
_HIDDEN = {"Cc", "Cf", "Cs", "Zl", "Zp"}


class _Refused(Exception):
    """A value is not allowed: what is, in words (and the valid values where they are a list)."""

    def __init__(self, allowed: str, valid: tuple[str, ...] = ()):
        super().__init__(allowed)
        self.allowed = allowed
        self.valid = valid


def _refusal(table: str, key: str, value: Any, allowed: str, valid: tuple[str, ...] = ()) -> PresetError:
    message = f"[{table}] {_one_line(key)} = {_shown(value)}: {allowed}"
    return PresetError(message, key, valid, table=table, value=value, allowed=allowed)


def _coerce(table: str, key: str, value: Any, annotation: str) -> Any:
    """The value checked (type, finite, range, format) and in its canonical form ("French" -> "fr")."""
    section = table.removeprefix("portrait.")
    try:
        if annotation.startswith("tuple"):
            return _list(section, key, value)
        if annotation == "bool":
            if not isinstance(value, bool):
                raise _Refused("must be true or false")
            return value
        if annotation in ("int", "float"):
            return _number(section, key, value, whole=annotation == "int")
        return _text(section, key, value)
    except _Refused as refused:
        raise _refusal(table, key, value, refused.allowed, refused.valid) from None


def _number(section: str, key: str, value: Any, whole: bool) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int,) if whole else (int, float)):
        wrong = "must be an integer" if whole else "must be a number"
    elif isinstance(value, float) and not math.isfinite(value):
        wrong = "must be a finite number"
    else:
        wrong = ""
    listed = CHOICES.get((section, key))
    if listed:
        valid = tuple(str(choice) for choice in listed)
        if wrong or value not in listed:
            raise _Refused(f"must be one of {', '.join(valid)}", valid)
        return value  # type: ignore[no-any-return]
    low, high = LIMITS[(section, key)]
    span = f"between {low:g} and {high:g}"
    if wrong:
        raise _Refused(f"{wrong} {span}")
    if not low <= value <= high:
        raise _Refused(f"must be {span}")
    return value if whole else float(value)  # type: ignore[no-any-return]


def _plain(value: str, multiline: bool = False) -> str | None:
    """What is wrong with a text value, whatever its key: None if nothing."""
    if len(value) > MAX_TEXT:
        return f"must be at most {MAX_TEXT} characters"
    allowed = "\n\t" if multiline else ""
    if any(unicodedata.category(c) in ("Cc", "Cs") and c not in allowed for c in value):
        return "must not hold control characters" + (" (newlines and tabs are fine)" if multiline else "")
    return None


def _text_rule(where: tuple[str, str]) -> tuple[str, tuple[str, ...]]:
    """What a text key may hold, in words, and its valid values where they are a list."""
    listed = CHOICES.get(where) or NAMES.get(where)
    if listed:
        valid = tuple(str(choice) for choice in listed)
        return f"must be one of {', '.join(valid)}", valid
    if where in COLOURS:
        return 'must be a colour "#RRGGBB" (hexadecimal)', ()
    if where in LANGUAGE_KEYS:
        others = [f'"{value}" ({meaning})' for value, meaning in LANGUAGE_KEYS[where].items()]
        return f"must be {', '.join(others)}{' or ' if others else ''}a language Whisper knows", ()
    if where == ("encode", "audio_fallback_bitrate"):
        low, high = LIMITS[where]
        return f'must be a bitrate from {low:g}k to {high:g}k, like "192k"', ()
    return ("must be text, not empty" if where in NOT_EMPTY else "must be text"), ()


def _text(section: str, key: str, value: Any) -> str:
    where = (section, key)
    rule, valid = _text_rule(where)
    if not isinstance(value, str):
        raise _Refused(rule, valid)
    wrong = _plain(value, where in MULTILINE)
    if wrong:
        raise _Refused(wrong)
    if where in LANGUAGE_KEYS:
        return _language(value, where, rule)
    if valid:
        ok = value in valid
    elif where in COLOURS:
        ok = bool(COLOUR.fullmatch(value))
    elif where == ("encode", "audio_fallback_bitrate"):
        found = BITRATE.fullmatch(value)
        low, high = LIMITS[where]
        ok = found is not None and low <= int(found[1]) <= high
    else:
        ok = bool(value.strip()) or where not in NOT_EMPTY
    if not ok:
        raise _Refused(rule, valid)
    return value


def _language(value: str, where: tuple[str, str], rule: str) -> str:
    if value in LANGUAGE_KEYS[where]:
        return value
    try:
        return languages.normalize(value)
    except ValueError as exc:
        raise _Refused(f"{rule}: {exc}") from None


def _list(section: str, key: str, value: Any) -> tuple[Any, ...]:
    where = (section, key)
    if where == ("style", "default_play_res"):
        low, high = LIMITS[where]
        rule = f"must be two integers [width, height], each between {low:g} and {high:g}"
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise _Refused(rule)
        if not all(isinstance(v, int) and not isinstance(v, bool) and low <= v <= high for v in value):
            raise _Refused(rule)
        return tuple(value)
    if where == ("output", "formats"):
        rule = f"must be a list of formats out of {', '.join(FORMATS)}"
        formats = _strings(value, rule, FORMATS)
        if any(f not in FORMATS for f in formats):
            raise _Refused(rule, FORMATS)
        return tuple(dict.fromkeys(formats))
    if where in CHOICES:  # a list of values out of a closed list, each once
        valid = tuple(str(choice) for choice in CHOICES[where])
        rule = f"must be a list out of {', '.join(valid)} ([] for none)"
        items = _strings(value, rule, valid)
        if any(item not in valid for item in items):
            raise _Refused(rule, valid)
        return tuple(dict.fromkeys(items))
    if where in LANGUAGE_KEYS:
        rule = 'must be a list of languages Whisper knows, such as ["en", "fr"]'
        codes = _strings(value, rule)
        try:
            return tuple(dict.fromkeys(languages.normalize(code) for code in codes))
        except ValueError as exc:
            raise _Refused(f"{rule}: {exc}") from None
    return _strings(value, "must be a list of text")


def _strings(value: Any, rule: str, valid: tuple[str, ...] = ()) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or len(value) > MAX_ITEMS:
        raise _Refused(rule, valid)
    if not all(isinstance(item, str) and _plain(item) is None for item in value):
        raise _Refused(rule, valid)
    return tuple(value)


def _together(table: str, section: str, values: dict[str, Any]) -> None:
    """The rules between keys of a table."""
    if section == "cues" and values["min_duration"] >= values["max_duration"]:
        allowed = f"must be less than max_duration ({values['max_duration']:g})"
        raise _refusal(table, "min_duration", values["min_duration"], allowed)


def build_section(section: str, values: dict[str, Any], table: str | None = None) -> Any:
    """The dataclass of a table, every value checked; `table` names it in errors ("portrait.style")."""
    table = table or section
    cls = SECTIONS[section]
    valid = tuple(f.name for f in fields(cls))
    if not isinstance(values, dict):
        raise _table_refusal(table, values)
    for key in values:
        if key not in valid:
            message = f"unknown key '{_one_line(str(key))}' in [{table}]; valid keys: {', '.join(valid)}"
            raise PresetError(message, key, valid, table=table, allowed=f"one of {', '.join(valid)}")
    missing = [name for name in valid if name not in values]
    if missing:
        raise PresetError(f"[{table}] lacks {', '.join(missing)} (is default.toml complete?)", missing[0], table=table)
    built = {f.name: _coerce(table, f.name, values[f.name], str(f.type)) for f in fields(cls)}
    _together(table, section, built)
    return cls(**built)


def _table_refusal(table: str, value: Any) -> PresetError:
    allowed = f"must be a table, [{table}]"
    return PresetError(f"{table} = {_shown(value)}: {allowed}", table, table=table, value=value, allowed=allowed)


def _check_tables(tables: dict[str, Any], portrait: Any) -> None:
    """Only known tables, each a table of keys: [transcribe]... and [portrait.cues], [portrait.style]."""
    for section, values in tables.items():
        if section not in SECTIONS:
            valid = (*SECTIONS, "portrait")
            message = f"unknown table [{_one_line(str(section))}]; valid tables: {', '.join(valid)}"
            raise PresetError(message, section, valid, allowed=f"one of {', '.join(valid)}")
        if not isinstance(values, dict):
            raise _table_refusal(section, values)
    if not isinstance(portrait, dict):
        raise _table_refusal("portrait", portrait)
    for section, values in portrait.items():
        if section not in PORTRAIT_SECTIONS:
            valid = tuple(f"portrait.{s}" for s in PORTRAIT_SECTIONS)
            message = f"unknown table [portrait.{_one_line(str(section))}]; valid tables: {', '.join(valid)}"
            raise PresetError(message, section, valid, allowed=f"one of {', '.join(valid)}")
        if not isinstance(values, dict):
            raise _table_refusal(f"portrait.{section}", values)


def load_options(preset: str = "default", overrides: dict[str, dict[str, Any]] | None = None, force: bool = False) -> Options:
    """Options from a preset, with the command line's values (those not None) on top; every value checked."""
    table = preset_table(preset)
    portrait = table.pop("portrait", {})
    _check_tables(table, portrait)
    for section, values in (overrides or {}).items():
        _check_tables({section: values}, {})
        given = {k: v for k, v in values.items() if v is not None}
        table[section] = {**table.get(section, {}), **given}
    built = {name: build_section(name, table.get(name, {})) for name in SECTIONS}
    return validate(Options(**built, preset=preset, force=force, portrait=portrait))


def for_picture(options: Options, portrait: bool) -> Options:
    """The options for a picture of this orientation: the preset's [portrait.*] keys apply to portrait ones."""
    if not portrait or not options.portrait:
        return options
    changed = {
        section: build_section(section, {**dataclasses.asdict(getattr(options, section)), **values}, f"portrait.{section}")
        for section, values in options.portrait.items()
    }
    return dataclasses.replace(options, **changed, portrait={})


def validate(options: Options) -> Options:
    """Every value checked (options changed in code too), languages in their canonical form ("French" -> "fr"),
    and the [portrait.*] keys checked now as they will apply to a portrait picture, not when one comes."""
    built = {name: build_section(name, dataclasses.asdict(getattr(options, name))) for name in SECTIONS}
    _check_tables({}, options.portrait)
    portrait = {}
    for section, values in options.portrait.items():
        layout = build_section(section, {**dataclasses.asdict(built[section]), **values}, f"portrait.{section}")
        portrait[section] = {key: getattr(layout, key) for key in values}
    return dataclasses.replace(options, **built, portrait=portrait)


def _one_line(text: str, limit: int = 80) -> str:
    """Text for a message: on one line, short, nothing hidden (control and format characters escaped)."""
    shown = "".join(
        (f"\\u{ord(c):04x}" if ord(c) < 0x10000 else f"\\U{ord(c):08x}") if unicodedata.category(c) in _HIDDEN else c
        for c in text[:limit]
    )
    return shown if len(text) <= limit else f"{shown}... ({len(text)} characters)"


def _shown(value: Any, depth: int = 0) -> str:
    """A value as a preset writes it, on one short line, for a message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return repr(value) if value.bit_length() <= 256 else f"(an integer of {value.bit_length()} bits)"
    if isinstance(value, float):
        return repr(value)  # nan, inf and -inf are TOML's own spellings
    if isinstance(value, str):
        quoted = json.dumps(value[:60], ensure_ascii=False)
        return _one_line(quoted, 1000) + (f"... ({len(value)} characters)" if len(value) > 60 else "")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        if depth > 2:
            return "[...]"
        items = [_shown(item, depth + 1) for item in value[:8]]
        return "[" + ", ".join(items + (["..."] if len(value) > 8 else [])) + "]"
    if isinstance(value, dict):
        if depth > 2:
            return "{...}"
        pairs = [f"{_one_line(str(k), 40)} = {_shown(v, depth + 1)}" for k, v in list(value.items())[:8]]
        return "{ " + ", ".join(pairs + (["..."] if len(value) > 8 else [])) + " }"
    return _one_line(repr(value))


def as_dict(options: Options) -> dict[str, Any]:
    return dataclasses.asdict(options)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    # a TOML basic string: JSON's escapes are TOML's, and TOML wants DEL escaped too
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")


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

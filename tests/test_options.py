import dataclasses
import tomllib
from pathlib import Path

import pytest

from subtitler.errors import PresetError
from subtitler.options import CHOICES, LIMITS, SECTIONS, builtin_presets, load_options, preset_table

from .conftest import ffmpeg, invoke


def test_default_preset_sets_every_option():
    options = load_options()
    assert options.cues.max_chars_per_line == 42
    assert options.cues.max_lines == 2
    assert options.cues.min_duration == pytest.approx(5 / 6, abs=0.001)
    assert options.cues.max_duration == 7.0
    assert options.cues.max_cps == 17.0
    table = preset_table("default")
    assert set(table) == {*SECTIONS, "portrait"}
    for section, fields in SECTIONS.items():  # every option written out in the file, none left to a code default
        assert set(table[section]) == {field.name for field in dataclasses.fields(fields)}, section


def test_default_is_built_in():
    assert "default" in builtin_presets()


def test_unknown_key_fails_and_lists_valid_keys(tmp_path: Path):
    preset = tmp_path / "mine.toml"
    preset.write_text("[cues]\nmax_chars = 30\n")
    with pytest.raises(PresetError) as caught:
        load_options(str(preset))
    assert caught.value.key == "max_chars"
    assert "max_chars_per_line" in caught.value.valid
    assert "max_chars_per_line" in str(caught.value)


def test_unknown_table_fails(tmp_path: Path):
    preset = tmp_path / "mine.toml"
    preset.write_text("[colours]\nred = 1\n")
    with pytest.raises(PresetError, match="unknown table"):
        load_options(str(preset))


def test_user_preset_extends_default_and_changes_a_few_keys(tmp_path: Path):
    preset = tmp_path / "short.toml"
    preset.write_text('extends = "default"\n[cues]\nmax_chars_per_line = 24\nmax_lines = 1\n[style]\nfont_size = 0.08\n')
    options = load_options(str(preset))
    assert options.cues.max_chars_per_line == 24
    assert options.cues.max_lines == 1
    assert options.style.font_size == 0.08
    assert options.cues.max_cps == 17.0  # inherited


def test_preset_can_extend_another_user_preset(tmp_path: Path):
    (tmp_path / "base.toml").write_text("[cues]\nmax_lines = 1\n")
    (tmp_path / "child.toml").write_text('extends = "base.toml"\n[cues]\nmax_chars_per_line = 30\n')
    options = load_options(str(tmp_path / "child.toml"))
    assert (options.cues.max_lines, options.cues.max_chars_per_line) == (1, 30)


def test_command_line_overrides_preset_only_where_given(tmp_path: Path):
    preset = tmp_path / "p.toml"
    preset.write_text("[cues]\nmax_chars_per_line = 30\n[transcribe]\nbeam_size = 2\n")
    options = load_options(
        str(preset), {"cues": {"max_chars_per_line": 20, "max_lines": None}, "transcribe": {"beam_size": None}}
    )
    assert options.cues.max_chars_per_line == 20
    assert options.cues.max_lines == 2
    assert options.transcribe.beam_size == 2


def test_wrong_type_and_bad_choice_fail(tmp_path: Path):
    preset = tmp_path / "p.toml"
    preset.write_text('[cues]\nmax_lines = "two"\n')
    with pytest.raises(PresetError, match=r"max_lines = \"two\": must be an integer between 1 and 6"):
        load_options(str(preset))
    preset.write_text('[transcribe]\ndevice = "tpu"\n')
    with pytest.raises(PresetError, match="auto, cpu, cuda"):
        load_options(str(preset))


def test_unknown_format_and_missing_preset_fail():
    with pytest.raises(PresetError, match=r'formats = \["srt", "docx"\]: must be a list of formats out of srt, vtt'):
        load_options("default", {"output": {"formats": ("srt", "docx")}})
    with pytest.raises(PresetError, match="unknown preset"):
        load_options("no-such-preset")


def test_extends_loop_is_refused(tmp_path: Path):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n')
    with pytest.raises(PresetError, match="loop"):
        load_options(str(tmp_path / "a.toml"))


def test_a_number_outside_its_choices_is_named(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[enhance]\nupscale = 5\n", encoding="utf-8")
    with pytest.raises(PresetError, match=r"^\[enhance\] upscale = 5: must be one of 1, 2, 3, 4$") as raised:
        load_options(str(bad))
    assert raised.value.valid == ("1", "2", "3", "4")


# Validation at the door: every refusal is one line, [table] key = value: what is allowed, and exit 2 before any work.

REFUSED = [
    ("range", "[style]\nchar_width_em = 0", "[style] char_width_em = 0: must be between 0.2 and 2"),
    ("nan", "[style]\nmargin_vertical = nan", "[style] margin_vertical = nan: must be a finite number between 0 and 0.45"),
    ("inf", "[review]\nunsure_below = inf", "[review] unsure_below = inf: must be a finite number between 0 and 1"),
    ("-inf", "[enhance]\nloudness = -inf", "[enhance] loudness = -inf: must be a finite number between -70 and -5"),
    ("beam", "[transcribe]\nbeam_size = 0", "[transcribe] beam_size = 0: must be between 1 and 20"),
    ("crf", "[encode]\ncrf = -5", "[encode] crf = -5: must be between 0 and 51"),
    ("huge", "[transcribe]\nthreads = 9223372036854775807",
     "[transcribe] threads = 9223372036854775807: must be between 0 and 1024"),
    ("int type", "[cues]\nmax_lines = 1.5", "[cues] max_lines = 1.5: must be an integer between 1 and 6"),
    ("bool type", "[output]\nmux = 1", "[output] mux = 1: must be true or false"),
    ("text type", "[style]\nfont = 5", "[style] font = 5: must be text, not empty"),
    ("colour", '[style]\nprimary_colour = "#GGGGGG"',
     '[style] primary_colour = "#GGGGGG": must be a colour "#RRGGBB" (hexadecimal)'),
    ("language", '[transcribe]\nlanguage = "xx"',
     "[transcribe] language = \"xx\": must be \"\" (detect) or a language Whisper knows: unknown language code 'xx'; "
     "use a Whisper code such as 'en', 'fr', 'de' or 'zh', or a name like 'French' (100 known)"),
    ("list element", '[translate]\nto = ["en", 5]',
     '[translate] to = ["en", 5]: must be a list of languages Whisper knows, such as ["en", "fr"]'),
    ("play res", "[style]\ndefault_play_res = [1920]",
     "[style] default_play_res = [1920]: must be two integers [width, height], each between 16 and 16384"),
    ("x264 preset", '[encode]\nx264_preset = "ludicrous"',
     '[encode] x264_preset = "ludicrous": must be one of ultrafast, superfast, veryfast, faster, fast, medium, slow, '
     "slower, veryslow, placebo"),
    ("pixel format", '[encode]\npixel_format = "rgb24"',
     '[encode] pixel_format = "rgb24": must be one of yuv420p, yuv422p, yuv444p, yuv420p10le, yuv422p10le, yuv444p10le'),
    ("bitrate", '[encode]\naudio_fallback_bitrate = "192"',
     '[encode] audio_fallback_bitrate = "192": must be a bitrate from 8k to 1024k, like "192k"'),
    ("control", '[transcribe]\nmodel = "base\\u0000"', '[transcribe] model = "base\\u0000": must not hold control characters'),
    ("together", "[cues]\nmin_duration = 8.0", "[cues] min_duration = 8.0: must be less than max_duration (7)"),
    ("portrait", "[portrait.style]\nmargin_vertical = 0.9", "[portrait.style] margin_vertical = 0.9: must be between 0 and 0.45"),
    ("portrait nan", "[portrait.cues]\nmax_cps = nan",
     "[portrait.cues] max_cps = nan: must be a finite number between 1 and 100"),
    ("table", "cues = 5", "cues = 5: must be a table, [cues]"),
]  # fmt: skip


@pytest.mark.parametrize(("preset", "message"), [case[1:] for case in REFUSED], ids=[case[0] for case in REFUSED])
def test_presets_show_refuses_a_bad_value_in_one_line(tmp_path: Path, preset: str, message: str):
    path = tmp_path / "bad.toml"
    path.write_text(preset + "\n", encoding="utf-8")
    assert invoke("presets", "show", str(path)) == (2, f"error: {message}\n")


def test_a_refusal_keeps_its_evidence(tmp_path: Path):
    path = tmp_path / "bad.toml"
    path.write_text("[portrait.style]\nchar_width_em = 0\n", encoding="utf-8")
    with pytest.raises(PresetError) as raised:
        load_options(str(path))
    error = raised.value
    assert (error.table, error.key, error.value) == ("portrait.style", "char_width_em", 0)
    assert error.allowed == "must be between 0.2 and 2"


def test_a_long_extends_chain_is_refused_with_the_chain(tmp_path: Path):
    for k in range(12):
        (tmp_path / f"p{k}.toml").write_text(f'extends = "p{k + 1}.toml"\n' if k < 11 else "", encoding="utf-8")
    chain = " > ".join(f"p{k}.toml" for k in range(12))
    expected = f"preset {(tmp_path / 'p0.toml').resolve()} extends more than 10 presets deep ({chain})"
    assert invoke("presets", "show", str(tmp_path / "p0.toml")) == (2, f"error: {expected}\n")
    assert load_options(str(tmp_path / "p2.toml")).preset.endswith("p2.toml")  # ten deep, default included: fine


def test_a_value_that_passes_is_kept_in_its_canonical_form(tmp_path: Path):
    path = tmp_path / "fine.toml"
    path.write_text('[transcribe]\nlanguage = "French"\n[translate]\nto = ["English", "es", "en"]\n', encoding="utf-8")
    options = load_options(str(path))
    assert (options.transcribe.language, options.translate.to) == ("fr", ("en", "es"))


def test_every_number_has_limits_and_every_limit_a_key():
    numbers = {(s, f.name) for s, cls in SECTIONS.items() for f in dataclasses.fields(cls) if f.type in ("int", "float")}
    assert numbers - set(CHOICES) == set(LIMITS) - {("style", "default_play_res"), ("encode", "audio_fallback_bitrate")}
    assert all(low < high for low, high in LIMITS.values())


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One second of a test picture with a tone."""
    path = tmp_path_factory.mktemp("clip") / "x.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x90:rate=10", "-f", "lavfi", "-i", "sine=frequency=440", "-t", "1",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", str(path))  # fmt: skip
    return path


def test_every_command_that_loads_a_preset_refuses_a_bad_one_before_any_work(tmp_path: Path, tiny_clip: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[style]\nchar_width_em = 0\n", encoding="utf-8")
    subs = tmp_path / "x.en.srt"
    subs.write_text("1\n00:00:00,000 --> 00:00:01,000\nHello\n", encoding="utf-8")
    (tmp_path / "inbox").mkdir()
    expected = (2, "error: [style] char_width_em = 0: must be between 0.2 and 2\n")
    out = tmp_path / "out"
    assert invoke("run", str(tiny_clip), "-o", str(out), "--preset", str(bad)) == expected
    assert invoke("watch", str(tmp_path / "inbox"), "-o", str(out), "--once", "--preset", str(bad)) == expected
    assert invoke("burn", str(tiny_clip), "--subs", str(subs), "-o", str(out), "--preset", str(bad)) == expected
    assert not out.exists()


# [encode]: each encoder family has its own quality and preset keys (crf, x264_preset; nvenc_cq, nvenc_preset).

ENCODE_REFUSED = [
    ("codec", '[encode]\nvideo_codec = "h264_vaapi"',
     '[encode] video_codec = "h264_vaapi": must be one of libx264, libx265, h264_nvenc, hevc_nvenc, auto'),
    ("codec case", '[encode]\nvideo_codec = "NVENC"',
     '[encode] video_codec = "NVENC": must be one of libx264, libx265, h264_nvenc, hevc_nvenc, auto'),
    ("cq low", "[encode]\nnvenc_cq = 0", "[encode] nvenc_cq = 0: must be between 1 and 51"),
    ("cq high", "[encode]\nnvenc_cq = 52", "[encode] nvenc_cq = 52: must be between 1 and 51"),
    ("cq type", "[encode]\nnvenc_cq = 20.5", "[encode] nvenc_cq = 20.5: must be an integer between 1 and 51"),
    ("nvenc preset", '[encode]\nnvenc_preset = "slow"',
     '[encode] nvenc_preset = "slow": must be one of p1, p2, p3, p4, p5, p6, p7'),
    ("x264 preset for nvenc", '[encode]\nnvenc_preset = "medium"',
     '[encode] nvenc_preset = "medium": must be one of p1, p2, p3, p4, p5, p6, p7'),
]  # fmt: skip


@pytest.mark.parametrize(("preset", "message"), [c[1:] for c in ENCODE_REFUSED], ids=[c[0] for c in ENCODE_REFUSED])
def test_a_bad_encoder_key_is_refused_in_one_line(tmp_path: Path, preset: str, message: str):
    path = tmp_path / "bad.toml"
    path.write_text(preset + "\n", encoding="utf-8")
    assert invoke("presets", "show", str(path)) == (2, f"error: {message}\n")


def test_every_video_codec_and_its_keys_load(tmp_path: Path):
    """Loading checks names and ranges only; whether an NVENC codec encodes here is tried when a run starts."""
    for codec in ("libx264", "libx265", "h264_nvenc", "hevc_nvenc", "auto"):
        path = tmp_path / f"{codec}.toml"
        path.write_text(f'[encode]\nvideo_codec = "{codec}"\nnvenc_cq = 1\nnvenc_preset = "p7"\n', encoding="utf-8")
        encode = load_options(str(path)).encode
        assert (encode.video_codec, encode.nvenc_cq, encode.nvenc_preset) == (codec, 1, "p7")
    defaults = load_options().encode
    assert (defaults.video_codec, defaults.crf, defaults.x264_preset) == ("libx264", 20, "medium")  # today's encode
    assert (defaults.nvenc_cq, defaults.nvenc_preset) == (21, "p5")
    assert LIMITS[("encode", "nvenc_cq")] == (1, 51)


def test_a_built_in_preset_that_sets_the_x264_quality_sets_nvenc_s_too():
    """So that the preset keeps its quality on a GPU too (video_codec = "auto" or an NVENC one)."""
    for name, path in builtin_presets().items():
        encode = tomllib.loads(path.read_text(encoding="utf-8")).get("encode", {})
        assert ("crf" in encode) == ("nvenc_cq" in encode), name
        assert ("x264_preset" in encode) <= ("nvenc_preset" in encode), name

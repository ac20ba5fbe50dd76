from pathlib import Path

import pytest

from subtitler.errors import PresetError
from subtitler.options import SECTIONS, builtin_presets, load_options, preset_table


def test_default_preset_sets_every_option():
    options = load_options()
    assert options.cues.max_chars_per_line == 42
    assert options.cues.max_lines == 2
    assert options.cues.min_duration == pytest.approx(5 / 6, abs=0.001)
    assert options.cues.max_duration == 7.0
    assert options.cues.max_cps == 17.0
    table = preset_table("default")
    assert set(table) == {*SECTIONS, "portrait"}


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
    with pytest.raises(PresetError, match="must be a int"):
        load_options(str(preset))
    preset.write_text('[transcribe]\ndevice = "tpu"\n')
    with pytest.raises(PresetError, match="auto, cpu, cuda"):
        load_options(str(preset))


def test_unknown_format_and_missing_preset_fail():
    with pytest.raises(PresetError, match="unknown format"):
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
    with pytest.raises(PresetError, match=r"\[enhance\] upscale must be one of 1, 2, 3, 4, not 5") as raised:
        load_options(str(bad))
    assert raised.value.valid == ("1", "2", "3", "4")

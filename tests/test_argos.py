"""Argos Translate packages: a real tiny package built by tests/tiny_argos.py, installed and run with CTranslate2."""

from __future__ import annotations

import http.server
import json
import logging
import os
import stat
import threading
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from subtitler import argos_packages, fetch
from subtitler.adapters import argos
from subtitler.errors import ModelError
from tests.tiny_argos import build_package

TOP = "translate-en_de-1_0"
SENTENCES = [
    "The cat sleeps on the warm chair.",
    "Der Hund läuft schnell über die Wiese.",
    "Domani andiamo al mercato.",
    "Hello!",
    "We are going to buy bread, cheese and fresh fruit tomorrow morning.",
]


@pytest.fixture(scope="session")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_package(tmp_path_factory.mktemp("argos"), "en", "de")


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty package folder (not yet created), the only one argos_packages looks at."""
    folder = tmp_path / "store" / "packages"
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(folder))
    return folder


@pytest.fixture(scope="session")
def package(archive: Path, tmp_path_factory: pytest.TempPathFactory) -> argos_packages.ArgosPackage:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ARGOS_PACKAGES_DIR", str(tmp_path_factory.mktemp("installed")))
        return argos_packages.install_file(archive)


def members(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist() if not info.is_dir()}


def write_zip(path: Path, files: dict[str, bytes], symlinks: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return path


def test_package_dirs_follow_argostranslate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delenv("ARGOS_PACKAGES_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert argos_packages.package_dirs() == [tmp_path / "argos-translate" / "packages"]
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(tmp_path / "elsewhere"))
    assert argos_packages.package_dirs() == [tmp_path / "elsewhere"]
    assert argos_packages.installed() == []
    assert not (tmp_path / "elsewhere").exists()  # reading creates nothing


def test_an_installed_package_is_found(archive: Path, store: Path):
    package = argos_packages.install_file(archive)
    assert package == argos_packages.ArgosPackage(store / TOP, "en", "de", "1.0", TOP)
    assert (package.path / "model" / "model.bin").is_file()
    assert argos_packages.installed() == [package]
    assert [p.name for p in store.iterdir()] == [TOP]  # no temporary folder left


def test_reinstalling_replaces_the_package(archive: Path, store: Path, tmp_path: Path):
    argos_packages.install_file(archive)
    other = build_package(tmp_path / "other", "en", "de", seed=1)
    argos_packages.install_file(other)
    assert len(argos_packages.installed()) == 1
    assert (store / TOP / "model" / "model.bin").read_bytes() == members(other)[f"{TOP}/model/model.bin"]
    assert [p.name for p in store.iterdir()] == [TOP]


def test_files_at_the_archive_root_get_a_folder_named_for_the_pair(archive: Path, store: Path, tmp_path: Path):
    flat = write_zip(tmp_path / "flat.argosmodel", {k.removeprefix(TOP + "/"): v for k, v in members(archive).items()})
    package = argos_packages.install_file(flat)
    assert package.path == store / "en_de"
    assert (package.source, package.target) == ("en", "de")


def test_a_broken_folder_is_skipped_with_a_warning(archive: Path, store: Path, caplog: pytest.LogCaptureFixture):
    good = argos_packages.install_file(archive)
    broken = store / "translate-xx_yy-1_0"
    (broken / "model").mkdir(parents=True)
    (broken / "metadata.json").write_text("{not json")
    with caplog.at_level(logging.WARNING):
        assert argos_packages.installed() == [good]
    assert "translate-xx_yy-1_0" in caplog.text


def test_sentences_are_translated_in_one_batch_like_one_by_one(package: argos_packages.ArgosPackage):
    texts = [*SENTENCES[:2], "", *SENTENCES[2:], "   "]
    batched = argos.translate(package, texts, threads=2)
    assert len(batched) == len(texts)
    assert batched[2] == "" and batched[-1] == ""
    assert all(batched[i].strip() for i in (0, 1, 3, 4, 5))
    # The tiny model ends every output by itself well before the bound, which CTranslate2 takes per call
    # (from the longest input), so one sentence alone decodes exactly as it does inside the batch.
    assert [argos.translate(package, [text], threads=2)[0] for text in texts] == batched
    greedy = argos.translate(package, texts, threads=2, beam_size=1, batch_size=2)
    assert [argos.translate(package, [text], threads=2, beam_size=1)[0] for text in texts] == greedy
    assert len(set(batched[i] for i in (0, 1, 3, 4, 5))) > 1  # the output depends on the input


def test_a_target_prefix_starts_every_output_and_is_not_in_the_text(tmp_path: Path, store: Path):
    """A multilingual package names the piece its decoder must start with (argostranslate's target_prefix). The
    tiny model has that piece but never writes it by itself: only the prefix sent to CTranslate2 puts it first."""
    prefixed = argos_packages.install_file(build_package(tmp_path, "en", "de", target_prefix="__de__"))
    assert prefixed.target_prefix == "__de__" and argos_packages.installed() == [prefixed]
    tokenizer = argos.tokenizer(prefixed.path)
    pieces = [tokenizer.encode(text, out_type=str) for text in SENTENCES]
    raw = argos.hypotheses(prefixed, pieces, "cpu", 2, beam_size=4, batch_size=32)
    assert [hypothesis[0] for hypothesis in raw] == ["__de__"] * len(SENTENCES)
    assert all(len(hypothesis) > 1 and "__de__" not in hypothesis[1:] for hypothesis in raw)
    texts = argos.translate(prefixed, SENTENCES, threads=2)
    assert texts == [tokenizer.decode(hypothesis[1:]) for hypothesis in raw]
    assert all(text.strip() and "__de__" not in text for text in texts)


def test_a_package_without_a_target_prefix_sends_none(package: argos_packages.ArgosPackage):
    assert package.target_prefix == ""
    tokenizer = argos.tokenizer(package.path)
    raw = argos.hypotheses(package, [tokenizer.encode(SENTENCES[0], out_type=str)], "cpu", 2, beam_size=4, batch_size=32)
    assert argos.translate(package, SENTENCES[:1], threads=2) == [tokenizer.decode(raw[0])]


def test_a_translation_leaves_no_thread_behind(package: argos_packages.ArgosPackage):
    """A CTranslate2 model's worker thread keeps an OpenMP team while the model lives, and next to Whisper's it
    makes libgomp throttle both (adapters/passing_thread.py): the translator is dropped once it has translated."""
    before = sorted(os.listdir("/proc/self/task"))
    assert argos.translate(package, SENTENCES, threads=2)
    assert sorted(os.listdir("/proc/self/task")) == before


def test_a_package_that_cannot_load_is_a_model_error(package: argos_packages.ArgosPackage, tmp_path: Path):
    broken = argos_packages.ArgosPackage(tmp_path / "gone", "en", "de", "1.0", "gone")
    with pytest.raises(ModelError, match="gone"):
        argos.translate(broken, ["Hello"])


EVIL = f"subtitler-evil-{uuid.uuid4().hex}"
HOSTILE = {
    "parent": (lambda files: {**files, f"{TOP}/../{EVIL}": b"x"}, "outside its folder"),
    "absolute": (lambda files: {**files, f"/tmp/{EVIL}": b"x"}, "absolute path"),
    "drive": (lambda files: {**files, f"C:/{EVIL}": b"x"}, "absolute path"),
    "backslash": (lambda files: {**files, f"{TOP}\\..\\{EVIL}": b"x"}, "backslash"),
    "no metadata": (lambda files: {k: v for k, v in files.items() if not k.endswith("metadata.json")}, "metadata.json"),
    "bad json": (lambda files: {**files, f"{TOP}/metadata.json": b"{"}, "not valid JSON"),
    "unknown language": (
        lambda files: {**files, f"{TOP}/metadata.json": json.dumps({"from_code": "en", "to_code": "xx"}).encode()},
        "unknown language code 'xx'",
    ),
    "no sentencepiece": (lambda files: {k: v for k, v in files.items() if not k.endswith("sentencepiece.model")}, "lacks"),
    "bpe": (
        lambda files: {k.replace("sentencepiece.model", "bpe.model"): v for k, v in files.items()},
        "BPE",
    ),
    "two folders": (lambda files: {**files, "other/readme.txt": b"x"}, "one package folder"),
    "bad target prefix": (
        lambda files: {
            **files,
            f"{TOP}/metadata.json": json.dumps({"from_code": "en", "to_code": "de", "target_prefix": ["__de__"]}).encode(),
        },
        "target_prefix must be one piece",
    ),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_archives_are_refused_before_anything_is_written(archive: Path, store: Path, tmp_path: Path, case: str):
    edit, message = HOSTILE[case]
    bad = write_zip(tmp_path / "bad.argosmodel", edit(members(archive)))
    with pytest.raises(ModelError, match=message) as error:
        argos_packages.install_file(bad)
    assert str(bad) in str(error.value) and "\n" not in str(error.value)
    assert not store.exists()
    assert not (tmp_path / EVIL).exists() and not Path("/tmp", EVIL).exists()


def test_a_refused_reinstall_leaves_the_installed_package_alone(archive: Path, store: Path, tmp_path: Path):
    argos_packages.install_file(archive)
    before = {path: path.read_bytes() for path in store.rglob("*") if path.is_file()}
    files = {k: v for k, v in members(archive).items() if not k.endswith("sentencepiece.model")}
    with pytest.raises(ModelError, match=r"lacks sentencepiece\.model"):
        argos_packages.install_file(write_zip(tmp_path / "bad.argosmodel", files))
    assert {path: path.read_bytes() for path in store.rglob("*") if path.is_file()} == before


def test_a_corrupt_member_found_while_extracting_leaves_nothing(archive: Path, store: Path, tmp_path: Path):
    bad = tmp_path / "corrupt.argosmodel"
    with zipfile.ZipFile(bad, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members(archive).items():
            zf.writestr(name, data)
    with zipfile.ZipFile(bad) as zf:
        info = zf.getinfo(f"{TOP}/model/model.bin")
    raw = bytearray(bad.read_bytes())
    raw[info.header_offset + 30 + len(info.filename) + 100] ^= 0xFF  # a byte of model.bin's data: its CRC fails
    bad.write_bytes(raw)
    with pytest.raises(ModelError, match=r"corrupt\.argosmodel: not a valid zip archive \(Bad CRC-32"):
        argos_packages.install_file(bad)
    assert list(store.iterdir()) == []  # the folder was made for the extraction, but nothing is left in it


def test_a_symlink_member_is_refused(archive: Path, store: Path, tmp_path: Path):
    bad = write_zip(tmp_path / "link.argosmodel", members(archive), symlinks={f"{TOP}/model/vocab": "/etc/passwd"})
    with pytest.raises(ModelError, match="symbolic link"):
        argos_packages.install_file(bad)
    assert not store.exists()


def test_a_file_that_is_not_a_zip_is_refused(store: Path, tmp_path: Path):
    bad = tmp_path / "text.argosmodel"
    bad.write_text("not a zip archive at all\n")
    with pytest.raises(ModelError, match="not a valid zip archive") as error:
        argos_packages.install_file(bad)
    assert str(bad) in str(error.value)
    assert not store.exists()


def test_an_unreachable_index_is_a_model_error_with_the_hint(monkeypatch: pytest.MonkeyPatch, store: Path):
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", "http://127.0.0.1:9")
    with pytest.raises(ModelError, match=r"translate-en_de-\*\.argosmodel elsewhere .*subtitler models install FILE\.argosmodel"):
        argos_packages.install_from_index("English", "deu")


@pytest.fixture
def index_server(archive: Path) -> Iterator[str]:
    """A local HTTP server with an index.json listing the tiny package (two versions) and serving it.

    en -> de 1.0 lists a missing link before the package; en -> fr's only link is not a zip archive;
    en -> es's links are a 404 and a 500.
    """
    files: dict[str, bytes] = {
        "/translate-en_de-1_0.argosmodel": archive.read_bytes(),
        "/translate-en_fr-1_0.argosmodel": b"<html>a login page, not a package</html>",
    }

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = files.get(self.path)
            if body is None:
                self.send_error(500 if self.path == "/error" else 404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_port}"
    entry = {"from_code": "en", "to_code": "de", "type": "translate"}
    files["/index.json"] = json.dumps(
        [
            {**entry, "package_version": "0.9", "links": [f"{base}/missing.argosmodel"]},
            {**entry, "package_version": "1.0", "links": [f"{base}/gone.argosmodel", f"{base}/translate-en_de-1_0.argosmodel"]},
            {"from_code": "xx", "to_code": "de", "links": []},
            {"from_code": "en", "to_code": "fr", "package_version": "1.0", "links": [f"{base}/translate-en_fr-1_0.argosmodel"]},
            {"from_code": "en", "to_code": "es", "package_version": "1.0", "links": [f"{base}/gone.argosmodel", f"{base}/error"]},
        ]
    ).encode()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield base
    server.shutdown()
    server.server_close()


def test_the_newest_package_is_installed_from_the_index(monkeypatch: pytest.MonkeyPatch, store: Path, index_server: str):
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", index_server + "/")
    package = argos_packages.install_from_index("en", "de")
    assert package.version == "1.0" and package.path == store / TOP
    assert [p.name for p in store.iterdir()] == [TOP]  # the download's hidden folder is gone
    with pytest.raises(ModelError, match="no it -> de package"):
        argos_packages.install_from_index("it", "de")


def test_a_download_that_is_no_package_is_refused(monkeypatch: pytest.MonkeyPatch, store: Path, index_server: str):
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", index_server)
    link = f"{index_server}/translate-en_fr-1_0.argosmodel"
    with pytest.raises(ModelError, match="not a valid zip archive") as caught:
        argos_packages.install_from_index("en", "fr")
    assert str(caught.value).startswith(f"cannot install {link}: ")
    assert isinstance(caught.value, fetch.FetchError) and caught.value.step == "structure"
    assert list(store.iterdir()) == []


def test_links_that_cannot_be_downloaded_are_all_named(monkeypatch: pytest.MonkeyPatch, store: Path, index_server: str):
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", index_server)
    with pytest.raises(ModelError) as caught:
        argos_packages.install_from_index("en", "es")
    message = str(caught.value)
    assert f"{index_server}/gone.argosmodel: HTTP Error 404" in message and f"{index_server}/error: HTTP Error 500" in message
    assert "subtitler models install FILE.argosmodel" in message
    assert list(store.iterdir()) == []

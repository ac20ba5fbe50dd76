"""Downloads, checks and renames into place, against a real HTTP server on 127.0.0.1 serving real bytes."""

from __future__ import annotations

import hashlib
import http.server
import random
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from subtitler import fetch, superres
from subtitler.errors import ModelError

BODY = random.Random(0).randbytes(3 * fetch.CHUNK_BYTES + 17)  # several blocks, the last one short
SHA = hashlib.sha256(BODY).hexdigest()
STALL_S = 10.0  # how long /stall holds its body back; the client's timeout is far shorter


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A local server: /good.bin, /unsized.bin (no Content-Length), /truncated.bin (half the announced body),
    /stall (headers, then nothing), /hangup (no response at all), /error (500); anything else is a 404."""
    release = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/hangup":
                return
            if self.path in ("/good.bin", "/truncated.bin", "/stall", "/unsized.bin"):
                self.send_response(200)
                if self.path != "/unsized.bin":
                    self.send_header("Content-Length", str(len(BODY)))
                self.end_headers()
                if self.path == "/stall":
                    release.wait(STALL_S)
                    return
                self.wfile.write(BODY[: len(BODY) // 2] if self.path == "/truncated.bin" else BODY)
                return
            self.send_error(500 if self.path == "/error" else 404)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    release.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def names(folder: Path) -> list[str]:
    """Everything in the folder, hidden entries included."""
    return sorted(path.name for path in folder.iterdir())


def test_sha256_of_matches_hashlib_over_several_blocks(tmp_path: Path):
    (tmp_path / "body").write_bytes(BODY)
    assert fetch.sha256_of(tmp_path / "body") == SHA


def test_a_good_file_is_downloaded_verified_and_renamed_into_place(server: str, tmp_path: Path):
    final = tmp_path / "models" / "good.bin"  # the folder does not exist yet
    seen: list[Path] = []

    def structure(path: Path) -> str | None:
        seen.append(path)
        return None if path.read_bytes()[:4] == BODY[:4] else "wrong start"

    got = fetch.fetch_file(
        server + "/good.bin", final, timeout_s=10, max_bytes=len(BODY), sha256=SHA, size=len(BODY), check=structure
    )
    assert got == final and final.read_bytes() == BODY
    assert names(final.parent) == ["good.bin"]  # no temporary name left
    assert seen[0].name == "good.bin" and seen[0].parent.parent == final.parent and seen[0].parent.name.startswith(".")


def test_a_wrong_sha256_is_refused_and_the_old_file_stays(server: str, tmp_path: Path):
    final = tmp_path / "good.bin"
    final.write_bytes(b"the file that was here")
    with pytest.raises(fetch.FetchError) as caught:
        fetch.fetch_file(server + "/good.bin", final, timeout_s=10, max_bytes=len(BODY), sha256="0" * 64)
    error = caught.value
    assert isinstance(error, ModelError) and error.exit_code == 2
    assert (error.step, error.expected, error.actual, error.source) == ("sha256", "0" * 64, SHA, server + "/good.bin")
    assert SHA in str(error) and "\n" not in str(error)
    assert final.read_bytes() == b"the file that was here"
    assert names(tmp_path) == ["good.bin"]


def test_a_truncated_response_is_refused(server: str, tmp_path: Path):
    with pytest.raises(fetch.FetchError) as caught:
        fetch.fetch_file(server + "/truncated.bin", tmp_path / "t.bin", timeout_s=10, max_bytes=len(BODY))
    assert (caught.value.step, caught.value.expected, caught.value.actual) == ("download", len(BODY), len(BODY) // 2)
    assert f"after {len(BODY) // 2} of {len(BODY)} bytes" in str(caught.value)
    assert names(tmp_path) == []


@pytest.mark.parametrize("path", ["/good.bin", "/unsized.bin"])
def test_a_body_over_the_cap_is_refused(server: str, tmp_path: Path, path: str):
    """Refused on its announced size (/good.bin), or while reading when none is announced (/unsized.bin)."""
    cap = fetch.CHUNK_BYTES
    with pytest.raises(fetch.FetchError) as caught:
        fetch.fetch_file(server + path, tmp_path / "big.bin", timeout_s=10, max_bytes=cap)
    assert caught.value.step == "size" and caught.value.expected == cap
    assert isinstance(caught.value.actual, int) and caught.value.actual > cap
    assert names(tmp_path) == []


def test_a_body_without_length_under_the_cap_is_whole(server: str, tmp_path: Path):
    assert fetch.download(server + "/unsized.bin", tmp_path / "u.bin", timeout_s=10, max_bytes=len(BODY)) == len(BODY)
    assert (tmp_path / "u.bin").read_bytes() == BODY


@pytest.mark.parametrize(("path", "reason"), [("/error", "500"), ("/missing", "404"), ("/hangup", "closed connection")])
def test_a_failing_server_is_a_download_error(server: str, tmp_path: Path, path: str, reason: str):
    with pytest.raises(fetch.FetchError) as caught:
        fetch.fetch_file(server + path, tmp_path / "x.bin", timeout_s=10, max_bytes=len(BODY))
    assert caught.value.step == "download" and reason in caught.value.reason
    assert str(caught.value).startswith(f"cannot download {server}{path}: ")
    assert names(tmp_path) == []


def test_a_stalled_server_times_out(server: str, tmp_path: Path):
    with pytest.raises(fetch.FetchError) as caught:
        fetch.fetch_file(server + "/stall", tmp_path / "s.bin", timeout_s=0.5, max_bytes=len(BODY))
    assert (caught.value.step, caught.value.reason) == ("download", "timed out")  # not the server giving up after STALL_S
    assert names(tmp_path) == []


def test_an_unreachable_server_is_a_download_error(tmp_path: Path):
    with pytest.raises(fetch.FetchError) as caught:
        fetch.read_url("http://127.0.0.1:9/x", timeout_s=5, max_bytes=100)
    assert caught.value.step == "download" and str(caught.value).startswith("cannot download http://127.0.0.1:9/x: ")


def test_read_url_returns_the_body_within_the_cap(server: str):
    assert fetch.read_url(server + "/good.bin", timeout_s=10, max_bytes=len(BODY)) == BODY
    with pytest.raises(fetch.FetchError) as caught:
        fetch.read_url(server + "/unsized.bin", timeout_s=10, max_bytes=100)
    assert caught.value.step == "size"


def test_a_structure_check_refuses_a_file_whose_source_has_no_sha256(server: str, tmp_path: Path):
    with pytest.raises(fetch.FetchError, match="not a zip archive") as caught:
        fetch.fetch_file(
            server + "/good.bin", tmp_path / "p.zip", timeout_s=10, max_bytes=len(BODY), check=lambda _: "not a zip archive"
        )
    assert (caught.value.step, caught.value.reason) == ("structure", "not a zip archive")
    assert names(tmp_path) == []


def test_verify_checks_size_before_the_hash(tmp_path: Path):
    path = tmp_path / "f"
    path.write_bytes(BODY)
    fetch.verify(path, sha256=SHA.upper(), size=len(BODY))
    with pytest.raises(fetch.FetchError) as caught:
        fetch.verify(path, sha256="0" * 64, size=len(BODY) + 1, source="the model")
    assert (caught.value.step, caught.value.expected, caught.value.actual) == ("size", len(BODY) + 1, len(BODY))
    assert str(caught.value).startswith("the model: ")


def test_a_staged_folder_replaces_the_old_one_whole(tmp_path: Path):
    final = tmp_path / "model"
    final.mkdir()
    (final / "old.bin").write_bytes(b"old")
    with fetch.staged(final) as work:
        work.mkdir()
        (work / "sub").mkdir()
        (work / "sub" / "new.bin").write_bytes(b"new")
        assert not (final / "sub").exists()  # nothing shows under the final name before the end
    assert names(final) == ["sub"] and (final / "sub" / "new.bin").read_bytes() == b"new"
    assert names(tmp_path) == ["model"]


def test_a_failing_block_leaves_the_old_folder_and_nothing_else(tmp_path: Path):
    final = tmp_path / "model"
    final.mkdir()
    (final / "old.bin").write_bytes(b"old")
    with pytest.raises(RuntimeError), fetch.staged(final) as work:
        work.mkdir()
        (work / "half.bin").write_bytes(b"half")
        raise RuntimeError("the source broke")
    assert names(final) == ["old.bin"] and names(tmp_path) == ["model"]


def test_a_failing_rename_leaves_the_old_folder_and_nothing_else(tmp_path: Path):
    """The old folder cannot be moved aside (a non-empty folder holds that name): the rename fails for real."""
    final = tmp_path / "model"
    final.mkdir()
    (final / "old.bin").write_bytes(b"old")
    with pytest.raises(OSError), fetch.staged(final) as work:
        work.mkdir()
        (work / "new.bin").write_bytes(b"new")
        (work.parent / ".previous" / "x").mkdir(parents=True)
    assert names(final) == ["old.bin"] and names(tmp_path) == ["model"]


def test_a_block_that_builds_nothing_changes_nothing(tmp_path: Path):
    (tmp_path / "f.bin").write_bytes(b"old")
    with pytest.raises(FileNotFoundError), fetch.staged(tmp_path / "f.bin"):
        pass
    assert (tmp_path / "f.bin").read_bytes() == b"old" and names(tmp_path) == ["f.bin"]


# --- super-resolution files go through fetch ----------------------------------------------------------


def entry_for(url: str, sha256: str = SHA) -> superres.SuperResEntry:
    return superres.SuperResEntry("tiny_x2", "fsrcnn", 2, "TINY_x2.pb", sha256, len(BODY), url, "Apache-2.0")


def test_superres_downloads_verified_into_the_models_home(server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("SUBTITLER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv(superres.SEARCH_PATH_ENV, "")
    path = superres.locate(entry_for(server + "/good.bin"))
    assert path == superres.home_dir() / "TINY_x2.pb" and path.read_bytes() == BODY
    assert names(superres.home_dir()) == ["TINY_x2.pb"]
    assert superres.locate(entry_for(server + "/error")) == path  # found now: no download


def test_superres_keeps_its_messages(server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("SUBTITLER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv(superres.SEARCH_PATH_ENV, "")
    wrong = entry_for(server + "/good.bin", sha256="0" * 64)
    with pytest.raises(fetch.FetchError) as caught:
        superres.locate(wrong)
    assert str(caught.value) == (
        f"super-resolution model tiny_x2: the download from {wrong.url} has sha256 {SHA}, expected {'0' * 64}"
    )
    with pytest.raises(ModelError) as caught_download:
        superres.locate(entry_for(server + "/truncated.bin"))
    message = str(caught_download.value)
    assert "TINY_x2.pb not found in" in message and "could not be downloaded (the transfer ended after" in message
    assert superres.SEARCH_PATH_ENV in message and "\n" not in message
    assert names(superres.home_dir()) == []

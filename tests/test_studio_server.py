"""The studio's server half: a real `subtitler studio` process on 127.0.0.1 (its real watcher and workers, the
real base model), real media from ../shared/data, httpx and raw HTTP for the API, headless Chromium for the page.
Every wait is bounded."""

from __future__ import annotations

import http.client
import io
import os
import re
import shutil
import signal
import stat
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import pytest

from subtitler.studio.files import file_id
from subtitler.studio.listing import share_done, time_left
from subtitler.studio.state import job_id
from subtitler.watch.store import Store

from .conftest import AUDIO, REPO, VIDEO, StudioServer, start_studio, wait_until, words_of

pytestmark = pytest.mark.slow

SHORT = AUDIO / "en/one_two_three.wav"  # 2.7 s: "one two three"
LONG = AUDIO / "en/sonnet001_librivox.mp3"  # 53 s: long enough to be killed in the middle of its transcription
NO_SOUND = VIDEO / "tears_of_steel_10s_noaudio.mp4"
JOB_S = 300  # the longest a job may take here (a shared 2-core machine) before the test fails instead of hanging
T = TypeVar("T")


def wait_for(what: Callable[[], T], timeout: float = JOB_S, why: str = "") -> T:
    return wait_until(why or "the condition", what, timeout, every=0.2)  # type: ignore[no-any-return]


def everything_in(root: Path) -> set[str]:
    """Every file and folder under the studio's DIR, but the ledger's own files (SQLite adds and drops its -wal)."""
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if not p.name.startswith("watch.sqlite")}


def upload(client: Any, csrf: str, name: str, data: Any, **choices: str) -> Any:
    return client.put(f"/api/uploads/{quote(name, safe='')}", params=choices, content=data, headers={"X-CSRF-Token": csrf})


def job_of(server: StudioServer, wanted: str) -> dict[str, Any] | None:
    with server.client() as client:
        return next((job for job in client.get("/api/jobs").json()["jobs"] if job["id"] == wanted), None)


def done(server: StudioServer, wanted: str, attempts: int = 1) -> dict[str, Any]:
    def finished() -> dict[str, Any] | None:
        job = job_of(server, wanted)
        assert server.process.poll() is None, server.log.read_text(encoding="utf-8")[-3000:]
        if job and job["state"] == "failed":
            raise AssertionError(f"the job failed: {job['error']}")
        return job if job and job["state"] == "done" and job["attempts"] >= attempts else None

    return wait_for(finished, why="the job never got done")


def raw(server: StudioServer, method: str, path: str, headers: dict[str, str] | None = None,
        body: bytes = b"") -> tuple[int, bytes]:  # fmt: skip
    """A request whose path is sent exactly as written (no client normalises `..` or percent signs away)."""
    address = urlsplit(server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        connection.putrequest(method, path, skip_host="Host" in (headers or {}), skip_accept_encoding=True)
        for key, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
            connection.putheader(key, value)
        connection.endheaders(body)
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


# -- pure parts --------------------------------------------------------------------------------------
def test_the_time_left_comes_from_the_share_done_and_the_time_so_far():
    assert share_done("probe", 0.0) == 0.0
    assert share_done("transcribe", 0.5) < share_done("transcribe", 1.0) < share_done("record", 1.0) == 1.0
    assert time_left(0.01, 60) is None and time_left(0.5, 2) is None  # too early to tell
    assert time_left(0.25, 60) == pytest.approx(180)


# -- the page: drop a clip, follow it, download what it made ---------------------------------------------------
def _by_css(browser: Any, css: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return browser.find_elements(By.CSS_SELECTOR, css)


def _page_waits(browser: Any, what: Callable[[Any], Any], timeout: float, why: str) -> Any:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(browser, timeout, poll_frequency=0.3).until(what)
    except TimeoutException:
        raise AssertionError(f"the page never showed it: {why}") from None


def _upload_says(browser: Any, name: str) -> Any:
    for row in _by_css(browser, ".upload"):
        if row.find_element("css selector", ".upload-name").text == name and row.get_attribute("data-state") in ("done", "error"):
            return row
    return None


def test_a_clip_dropped_on_the_page_is_done_and_every_output_downloads(
    studio_server: StudioServer, browser: Any, speech_video: Path, tmp_path: Path
):
    clip = tmp_path / "Élodie & <i>Co talk.mp4"  # the page must show it as text, never as markup
    shutil.copy(speech_video, clip)
    notes = tmp_path / "notes.mp4"
    notes.write_bytes((REPO / "README.md").read_bytes()[:50_000])  # a video by its name only
    browser.get(studio_server.page())
    _page_waits(browser, lambda b: _by_css(b, "#live[data-state='on']"), 30, "the live dot (the event stream)")
    spanish = _by_css(browser, 'input[name="to"][value="es"]')
    if spanish:  # where an engine here reaches Spanish: subtitles in Spanish too
        spanish[0].click()
    chooser = _by_css(browser, "#files")[0]
    chooser.send_keys(str(clip))  # what the file picker (or a drop) gives the page
    arrived = _page_waits(browser, lambda b: _upload_says(b, clip.name), 120, "the upload's end")
    assert arrived.get_attribute("data-state") == "done", arrived.text
    chooser.send_keys(str(notes))
    refused = _page_waits(browser, lambda b: _upload_says(b, notes.name), 60, "the refusal of a file that is not a video")
    assert refused.get_attribute("data-state") == "error"
    assert "notes.mp4 is not a video or audio file" in refused.text

    job = _page_waits(browser, lambda b: _by_css(b, "li.job[data-state='done']"), JOB_S, "the job done in the list")[0]
    assert job.find_element("css selector", ".job-name").text == clip.name
    assert not _by_css(browser, "li.job i")  # the name's <i> is text, not italics
    wanted = job.get_attribute("data-job")
    assert job.find_element("css selector", "a.editor").get_attribute("href").endswith(f"/jobs/{wanted}")
    zip_link = job.find_element("css selector", "a.zip").get_attribute("href")
    assert zip_link.endswith(f"/api/jobs/{wanted}/download.zip")
    job.find_element("css selector", "details.files summary").click()
    _page_waits(browser, lambda b: len(job.find_elements("css selector", ".file-list a")) >= 3, 30, "the job's files")
    shown = {a.text for a in job.find_elements("css selector", ".file-list a")}
    stem = "Élodie & _i_Co talk"  # the output folder's name: < and > are not safe on every file system
    folder = studio_server.root / "outbox" / ("default-to-es" if spanish else "default") / stem
    assert {f"{stem}.en.srt", f"{stem}.subtitled.mp4", "job.json"} <= shown
    assert shown == {p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")}
    if spanish:
        assert f"{stem}.es.srt" in shown and "also in Spanish" in job.find_element("css selector", ".job-preset").text
    (studio_server.root / "inbox/broken clip.mp4").write_bytes(b"not a video" * 1000)  # copied in by other means
    failed = _page_waits(browser, lambda b: _by_css(b, "li.job[data-state='failed']"), JOB_S, "the broken file failed")[0]
    assert failed.find_element("css selector", ".job-name").text == "broken clip.mp4"
    assert "not a media file" in failed.find_element("css selector", ".job-error").text
    failed.find_element("css selector", "button.retry").click()  # Try again: run through the watcher once more
    broken = job_id("broken clip.mp4")
    wait_for(lambda: (again := job_of(studio_server, broken)) and again["attempts"] == 2 and again["state"] == "failed")
    _screenshot(browser, tmp_path)
    severe = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE" and "status of 415" not in e["message"]]
    assert severe == []  # no script error, no Content-Security-Policy violation

    with studio_server.client() as client:
        listing = client.get(f"/api/jobs/{wanted}/files").json()["files"]
        for item in listing:
            answer = client.get(item["url"])
            assert answer.status_code == 200 and answer.content == (folder / item["name"]).read_bytes(), item["name"]
            assert answer.headers["content-disposition"].startswith("attachment")
        editor = client.get(f"/jobs/{wanted}")  # the editor's page, in the studio's layout, the name escaped
        assert editor.status_code == 200 and "Élodie &amp; &lt;i&gt;Co talk.mp4" in editor.text and "<i>Co" not in editor.text
        assert '<meta name="csrf-token"' in editor.text
        srt = (folder / f"{stem}.en.srt").read_text(encoding="utf-8")
        assert {"ask", "country"} <= set(words_of(srt))
        archive = zipfile.ZipFile(io.BytesIO(client.get(zip_link).content))
        assert archive.testzip() is None
        assert sorted(archive.namelist()) == sorted(f"{stem}/{item['name']}" for item in listing)
        for item in listing:
            assert archive.read(f"{stem}/{item['name']}") == (folder / item["name"]).read_bytes()


def _screenshot(browser: Any, tmp_path: Path) -> None:
    """The page as a person sees it; kept as docs/studio-jobs.png when SUBTITLER_SCREENSHOTS=1."""
    size = browser.get_window_size()
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(size["width"], min(2400, height + 140))  # the whole page: the form and the list
    browser.execute_script("window.scrollTo(0, 0)")
    path = tmp_path / "studio-jobs.png"
    browser.save_screenshot(str(path))
    browser.set_window_size(size["width"], size["height"])
    assert path.stat().st_size > 10_000
    if os.environ.get("SUBTITLER_SCREENSHOTS") == "1":
        shutil.copy(path, REPO / "docs" / "studio-jobs.png")


# -- uploads the studio refuses leave nothing behind ---------------------------------------------------------
@pytest.fixture
def small_studio(tmp_path: Path, base_model: Any, shared: Path) -> Iterator[StudioServer]:
    """A studio that takes files up to 1 MB, one at a time."""
    server = start_studio(tmp_path / "small", "--max-upload-mb", "1", "--max-files", "1")
    try:
        yield server
    finally:
        server.stop()


def test_refused_uploads_say_why_and_leave_nothing(small_studio: StudioServer, tmp_path: Path):
    root = small_studio.root
    csrf = small_studio.csrf()
    before = everything_in(root)
    too_big = (AUDIO / "en/jfk.flac").read_bytes()  # 1.1 MB of real speech
    assert len(too_big) > 1 << 20

    def chunks(data: bytes) -> Iterator[bytes]:  # no Content-Length: refused while it streams in
        for start in range(0, len(data), 64 << 10):
            yield data[start : start + (64 << 10)]

    with small_studio.client() as client:
        for body in (too_big, chunks(too_big)):
            answer = upload(client, csrf, "jfk.flac", body)
            assert answer.status_code == 413
            assert "the studio takes files up to 1 MB" in answer.json()["error"] or "larger than 1 MB" in answer.json()["error"]
        answer = upload(client, csrf, "talk.mp4", (REPO / "README.md").read_bytes()[:200_000])
        assert answer.status_code == 415
        assert answer.json()["error"] == "talk.mp4 is not a video or audio file that the studio can read"
        answer = upload(client, csrf, "film.mp4", NO_SOUND.read_bytes())
        assert answer.status_code == 415 and "has no sound" in answer.json()["error"]
        answer = upload(client, csrf, "empty.wav", b"")
        assert answer.status_code == 400 and "empty" in answer.json()["error"]
        answer = upload(client, csrf, "clip.wav", SHORT.read_bytes(), preset="no-such-preset")
        assert answer.status_code == 400 and "unknown preset" in answer.json()["error"]
        answer = upload(client, csrf, "clip.wav", SHORT.read_bytes(), to="xx")
        assert answer.status_code == 400
        glossaries = [("terms.toml", b"= oops", "terms.toml is not valid TOML"), ("terms.csv", b"term,fr\n,\n", "no terms"),
                      ("terms.csv", b"a\x00b,\xff\n", "terms.csv"), ("terms.txt", b"ComfyUI\n", ".csv")]  # fmt: skip
        for name, text, why in glossaries:
            answer = client.put(f"/api/glossaries/{name}", content=text, headers={"X-CSRF-Token": csrf})
            assert answer.status_code == 400 and why in answer.json()["error"] and str(root) not in answer.text, answer.text
    assert everything_in(root) == before


def test_at_most_max_files_uploads_are_received_at_once(small_studio: StudioServer):
    csrf = small_studio.csrf()
    release = threading.Event()
    first: dict[str, Any] = {}
    data = SHORT.read_bytes()

    def slow() -> Iterator[bytes]:
        yield data[:1000]
        release.wait(60)  # the first upload holds the only place until the second one was refused
        yield data[1000:]

    def send_first() -> None:
        with small_studio.client() as client:
            first["answer"] = upload(client, csrf, "first.wav", slow())

    sender = threading.Thread(target=send_first)
    sender.start()
    try:
        receiving = small_studio.root / ".studio/uploads"
        wait_for(lambda: any(receiving.iterdir()), 30, "the first upload to be received")  # it holds the place
        with small_studio.client() as client:
            refused = upload(client, csrf, "second.wav", SHORT.read_bytes())
        assert refused.status_code == 429
        assert "being received already" in refused.json()["error"]
    finally:
        release.set()
        sender.join(60)
    assert first["answer"].status_code == 201, first["answer"].text
    assert not (small_studio.root / "inbox/default/second.wav").exists()


# -- names and ids: nothing outside the studio's folder, ever -----------------------------------------------
TRICKS = ["..", "%2e%2e", "%252e%252e", "..%2f..%2f..%2fetc%2fpasswd", "%2fetc%2fpasswd", "%00", "0123456789abcdef%00",
          "..%5c..%5cwindows", "%2e%2e%2f%2e%2e%2fpyproject.toml", "/etc/passwd", "C:%5cWindows"]  # fmt: skip


def test_path_tricks_on_every_endpoint_with_an_id_or_a_name(studio_server: StudioServer, tmp_path: Path):
    root = studio_server.root
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the studio", encoding="utf-8")
    csrf = studio_server.csrf()
    with studio_server.client() as client:
        answer = upload(client, csrf, "one two.wav", SHORT.read_bytes())
        assert answer.status_code == 201, answer.text
    wanted = answer.json()["id"]
    done(studio_server, wanted)
    folder = root / "outbox/default/one two"
    (folder / "stolen.txt").symlink_to(secret)  # a link in the outbox: never listed, never served
    (folder / ".hidden").write_text("x", encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "job.json").write_text("{}", encoding="utf-8")
    unsafe = {file_id("stolen.txt"), file_id(".hidden")}
    with studio_server.client() as client:
        listed = {f["name"]: f["id"] for f in client.get(f"/api/jobs/{wanted}/files").json()["files"]}
    assert "stolen.txt" not in listed and ".hidden" not in listed and "one two.en.srt" in listed
    before = everything_in(root)
    secure = {"X-CSRF-Token": csrf}
    id_paths = ["/api/jobs/{}", "/api/jobs/{}/files", "/api/jobs/{}/files/" + listed["job.json"], "/api/jobs/{}/download.zip",
                "/jobs/{}", "/api/jobs/{}/video", "/api/jobs/{}/cues/en", "/api/jobs/{}/frame?lang=en&t=1"]  # fmt: skip
    for trick in TRICKS:
        for path in id_paths:
            status, body = raw(studio_server, "GET", path.format(trick))
            assert status in (400, 404), (path, trick, status)
            assert b"not for the studio" not in body and b"[project]" not in body and b"root:" not in body
        status, _ = raw(studio_server, "POST", f"/api/jobs/{trick}/retry", secure)
        assert status in (400, 404), (trick, status)
        for name_path in (f"/api/jobs/{wanted}/files/{trick}", f"/static/{trick}", f"/static/{trick}%2fstate.py"):
            status, body = raw(studio_server, "GET", name_path)
            assert status in (400, 404), (name_path, status)
            assert b"not for the studio" not in body and b"[project]" not in body
        for kind in ("uploads", "glossaries"):
            status, body = raw(studio_server, "PUT", f"/api/{kind}/{trick}", secure, b"not media" * 100)
            assert status in (400, 404, 415), (kind, trick, status, body)
    for unsafe_id in unsafe:
        assert raw(studio_server, "GET", f"/api/jobs/{wanted}/files/{unsafe_id}")[0] == 404
    status, _ = raw(studio_server, "PUT", "/api/uploads/..%2fescape.wav", secure, SHORT.read_bytes())
    assert status == 404
    for name in ("../escape.wav", ".hidden.wav", "a\\b.wav", "nul\x00.wav", "tab\t.wav", "x" * 300 + ".wav"):
        with studio_server.client() as client:
            assert upload(client, csrf, name, SHORT.read_bytes()).status_code in (400, 404), name
    for choice in ({"preset": "../../../etc/passwd"}, {"glossary": "../../secret"}, {"glossary": "%00"}, {"to": "../.."},
                   {"burn": "../x"}):  # fmt: skip
        with studio_server.client() as client:
            assert upload(client, csrf, "clip.wav", SHORT.read_bytes(), **choice).status_code == 400, choice
    with studio_server.client() as client:
        zipped = zipfile.ZipFile(io.BytesIO(client.get(f"/api/jobs/{wanted}/download.zip").content))
    assert not [n for n in zipped.namelist() if "stolen" in n or "hidden" in n]
    assert everything_in(root) == before  # nothing written anywhere
    assert secret.read_text(encoding="utf-8") == "not for the studio"

    shutil.rmtree(folder)
    folder.symlink_to(outside, target_is_directory=True)  # the job's folder swapped for a link out of the outbox
    with studio_server.client() as client:
        assert client.get(f"/api/jobs/{wanted}/files").json()["files"] == []
        assert client.get(f"/api/jobs/{wanted}/files/{file_id('job.json')}").status_code == 404
        assert client.get(f"/api/jobs/{wanted}/download.zip").status_code == 404


def test_retry_runs_a_job_again_through_the_watcher(studio_server: StudioServer):
    csrf = studio_server.csrf()
    with studio_server.client() as client:
        wanted = upload(client, csrf, "again.wav", SHORT.read_bytes()).json()["id"]
        assert wanted == job_id("default/again.wav")
        done(studio_server, wanted)
        assert client.post(f"/api/jobs/{wanted}/retry", headers={"X-CSRF-Token": csrf}).status_code == 202
        assert client.post("/api/jobs/0123456789abcdef/retry", headers={"X-CSRF-Token": csrf}).status_code == 404
    again = done(studio_server, wanted, attempts=2)
    assert again["attempts"] == 2


# -- who may use it --------------------------------------------------------------------------------------
def test_with_a_token_every_page_and_call_needs_it(tmp_path: Path, base_model: Any, shared: Path, browser: Any):
    server = start_studio(tmp_path / "shared-studio", "--require-token")
    try:
        token_file = server.root / ".studio/token"
        assert server.token and token_file.read_text(encoding="ascii").strip() == server.token
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        anything = "0123456789abcdef"
        calls = [("GET", "/"), ("GET", "/static/studio.css"), ("GET", "/static/jobs.js"), ("GET", "/api/jobs"),
                 ("GET", "/api/events"), ("GET", f"/jobs/{anything}"), ("GET", f"/api/jobs/{anything}/files"),
                 ("GET", f"/api/jobs/{anything}/download.zip"), ("GET", "/no/such/page"), ("POST", f"/api/jobs/{anything}/retry"),
                 ("PUT", "/api/uploads/clip.wav"), ("PUT", "/api/glossaries/terms.csv")]  # fmt: skip
        for method, path in calls:
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Cookie": "subtitler_studio=wrong"}):
                status, body = raw(server, method, path, headers)
                assert status == 401, (method, path, headers, status)
                assert b"access link" in body
            status, _ = raw(server, method, path + ("&" if "?" in path else "?") + "token=wrong")
            assert status == 401
        bearer = {"Authorization": f"Bearer {server.token}"}
        for path in ("/", "/static/studio.css", "/api/jobs"):
            assert raw(server, "GET", path, bearer)[0] == 200
        assert raw(server, "GET", f"/api/jobs/{anything}/files", bearer)[0] == 404  # let in, and no such job
        with httpx_client(server.url) as client:  # the printed link: ?token= sets the cookie, then the cookie is enough
            answer = client.get(f"/?token={server.token}")
            assert answer.status_code == 200
            cookie = answer.headers["set-cookie"]
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and server.token in cookie
            assert client.get("/api/jobs").status_code == 200
        browser.get(server.page())
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(browser, 30).until(lambda b: b.find_element("id", "live").get_attribute("data-state") == "on")
        assert "token=" not in browser.current_url  # taken out of the address bar
        browser.get(server.url)  # the cookie alone
        WebDriverWait(browser, 30).until(lambda b: b.find_element("id", "live").get_attribute("data-state") == "on")
    finally:
        server.stop()


def httpx_client(url: str) -> Any:
    import httpx

    return httpx.Client(base_url=url, timeout=30)


def test_cross_site_requests_and_foreign_hosts_are_refused(studio_server: StudioServer):
    csrf = studio_server.csrf()
    root = studio_server.root
    before = everything_in(root)
    own = studio_server.url.rstrip("/")
    retry = "/api/jobs/0123456789abcdef/retry"
    refused = [
        {},  # no CSRF header
        {"X-CSRF-Token": "wrong"},
        {"X-CSRF-Token": csrf, "Origin": "http://evil.example"},
        {"X-CSRF-Token": csrf, "Origin": "null"},
        {"X-CSRF-Token": csrf, "Sec-Fetch-Site": "cross-site"},
        {"X-CSRF-Token": csrf, "Sec-Fetch-Site": "same-site"},
    ]
    for headers in refused:
        for method, path, body in (("POST", retry, b""), ("PUT", "/api/uploads/clip.wav", SHORT.read_bytes()),
                                   ("PUT", "/api/glossaries/terms.csv", b"term\nComfyUI\n")):  # fmt: skip
            status, answer = raw(studio_server, method, path, headers, body)
            assert status == 403, (method, path, headers, status)
            assert b"refused" in answer
    assert raw(studio_server, "POST", retry, {"X-CSRF-Token": csrf, "Origin": own, "Sec-Fetch-Site": "same-origin"})[0] == 404
    assert everything_in(root) == before
    # Without a token the studio answers only to this machine's own names (a rebound DNS name is refused).
    for host in ("evil.example", "evil.example:8750", "192.168.1.20", "127.0.0.1.evil.example"):
        assert raw(studio_server, "GET", "/", {"Host": host})[0] == 403, host
    assert raw(studio_server, "GET", "/", {"Host": "localhost:1234"})[0] == 200
    for path in ("/", "/api/jobs", "/static/jobs.js", "/no/such/page"):
        with studio_server.client() as client:
            headers = client.get(path).headers
        policy = headers["content-security-policy"]
        assert "default-src 'self'" in policy and "script-src 'self';" in policy and "unsafe-inline" not in policy
        assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"
    with studio_server.client() as client:
        page = client.get("/").text
    assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)", page)  # no inline script, nothing from elsewhere
    assert "http://" not in page and "https://" not in page


# -- a studio stopped in the middle of a job -----------------------------------------------------------------
def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = entry.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_studio_killed_in_the_middle_of_a_transcription_finishes_the_job_once(tmp_path: Path, base_model: Any, shared: Path):
    server = start_studio(tmp_path / "studio")
    try:
        with server.client() as client:
            wanted = upload(client, server.csrf(), "reading.mp3", LONG.read_bytes()).json()["id"]
        wait_for(lambda: (job := job_of(server, wanted)) and job["stage"] == "transcribe", why="the transcription's start")
        workers = _children(server.process.pid)
        assert workers
        server.stop(signal.SIGKILL)
    finally:
        server.stop()
    wait_for(lambda: not any(_alive(pid) for pid in workers), 60, "the workers to die with the studio")
    server = start_studio(tmp_path / "studio")
    try:
        again = done(server, wanted, attempts=2)
    finally:
        assert server.stop() == 0
    assert again["attempts"] == 2
    store = Store(server.root / "outbox")
    try:
        entry = store.get("default/reading.mp3")
    finally:
        store.close()
    assert entry is not None and (entry.state, entry.attempts) == ("done", 2)
    log = (server.root / "outbox/watch.log").read_text(encoding="utf-8")
    assert log.count("done    default/reading.mp3") == 1
    outputs = server.root / "outbox/default"
    assert sorted(p.name for p in outputs.iterdir()) == ["reading"]  # one output folder, no reading-2
    assert not [p for p in outputs.rglob("*") if ".partial-" in p.name or p.name == ".work"]
    assert (outputs / "reading/job.json").is_file() and (outputs / "reading/reading.en.srt").is_file()

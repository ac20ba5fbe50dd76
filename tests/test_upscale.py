"""Super-resolution: the real pretrained models from ../shared/models/superres on real frames of a film clip."""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from subtitler import superres
from subtitler.adapters.frames import upright_planes, ycbcr_planes
from subtitler.adapters.media import probe
from subtitler.adapters.upscale import Upscaler, psnr, ssim
from subtitler.errors import ModelError, UsageError

from .conftest import SUPERRES, VIDEO, need, needs

MODELS = SUPERRES  # ../shared/models/superres
CLIP = VIDEO / "tears_of_steel_10s_noaudio.mp4"
LEARNED = ["fsrcnn", "fsrcnn-small", "espcn", "lapsrn"]

needs_models = needs(MODELS.is_dir(), f"shared models not found at {MODELS}")


@pytest.fixture(autouse=True)
def model_dirs(monkeypatch, tmp_path: Path) -> None:
    """An empty models home for each test; the shared models through $SUBTITLER_SUPERRES_PATH."""
    monkeypatch.setenv("SUBTITLER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv(superres.SEARCH_PATH_ENV, str(MODELS))


@pytest.fixture(scope="module")
def film_frames() -> list[np.ndarray]:
    """Eight RGB frames spread over the 10 s clip (640x360): dark interiors, faces, a bright exterior."""
    need(CLIP.is_file(), f"shared clip not found at {CLIP}")
    with av.open(str(CLIP)) as container:
        return [frame.to_ndarray(format="rgb24") for i, frame in enumerate(container.decode(video=0)) if i % 30 == 15]


# --- resolution -------------------------------------------------------------------------------------


def test_methods_and_scales_come_from_the_manifest():
    assert superres.methods() == ["lanczos", "fsrcnn", "fsrcnn-small", "espcn", "lapsrn"]
    assert superres.scales("fsrcnn") == [2, 3, 4]
    assert superres.scales("lapsrn") == [2, 4, 8]
    for entry in superres.manifest().values():
        assert entry.url.startswith("https://raw.githubusercontent.com/") and entry.url.endswith("/" + entry.file)
        assert len(entry.sha256) == 64 and entry.bytes > 0 and entry.license == "Apache-2.0"


@needs_models
def test_every_shared_model_resolves_and_matches_its_sha256():
    found = 0
    for entry in superres.manifest().values():
        shared_file = MODELS / entry.file
        if not shared_file.is_file():
            continue
        found += 1
        resolved = superres.resolve(entry.method, entry.scale)
        assert resolved == superres.SuperResModel(entry.method, entry.scale, shared_file, entry.name)
        assert hashlib.sha256(shared_file.read_bytes()).hexdigest() == entry.sha256
        assert shared_file.stat().st_size == entry.bytes
        assert superres.resolve(entry.method, entry.scale, entry.name) == resolved
    assert found == len(superres.manifest())


@needs_models
def test_the_models_home_comes_before_the_search_path(tmp_path: Path):
    home = superres.home_dir()
    home.mkdir(parents=True)
    shutil.copy(MODELS / "ESPCN_x3.pb", home / "ESPCN_x3.pb")
    assert superres.resolve("espcn", 3).path == home / "ESPCN_x3.pb"


@needs_models
def test_a_file_with_one_flipped_byte_is_refused(monkeypatch, tmp_path: Path):
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    data = bytearray((MODELS / "FSRCNN_x2.pb").read_bytes())
    data[len(data) // 2] ^= 0x01
    (corrupt / "FSRCNN_x2.pb").write_bytes(bytes(data))
    monkeypatch.setenv(superres.SEARCH_PATH_ENV, os.pathsep.join([str(corrupt), str(MODELS)]))
    with pytest.raises(ModelError) as caught:
        superres.resolve("fsrcnn", 2)
    message = str(caught.value)
    assert str(corrupt / "FSRCNN_x2.pb") in message
    assert superres.manifest()["fsrcnn_x2"].sha256 in message
    assert hashlib.sha256(bytes(data)).hexdigest() in message
    assert "\n" not in message and caught.value.exit_code == 2


def test_a_missing_model_names_the_file_its_sha256_and_where_it_was_looked_for(monkeypatch, tmp_path: Path):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv(superres.SEARCH_PATH_ENV, str(empty))
    entry = superres.manifest()["espcn_x4"]
    for allow_download in (False, True):  # no network here: the download fails too, and says so
        with pytest.raises(ModelError) as caught:
            superres.resolve("espcn", 4, allow_download=allow_download)
        message = str(caught.value)
        for part in (entry.file, entry.sha256, str(superres.home_dir()), str(empty), superres.SEARCH_PATH_ENV):
            assert part in message
        assert "\n" not in message
    assert not list(superres.home_dir().glob(".*"))  # no temp file left behind


def test_unknown_methods_scales_and_names_are_usage_errors():
    with pytest.raises(UsageError, match=r"fsrcnn, fsrcnn-small, espcn, lapsrn") as caught:
        superres.resolve("edsr", 2)
    assert caught.value.exit_code == 2
    with pytest.raises(UsageError, match=r"lapsrn exists for x2, x4, x8"):
        superres.resolve("lapsrn", 3)
    with pytest.raises(UsageError, match=r"known models: .*espcn_x2"):
        superres.resolve("espcn", 2, "espcn-x2")
    with pytest.raises(UsageError, match=r"--upscale-method fsrcnn --upscale 3"):
        superres.resolve("espcn", 2, "fsrcnn_x3")
    with pytest.raises(UsageError, match=r"needs no model"):
        superres.resolve("lanczos", 2, "fsrcnn_x2")
    with pytest.raises(UsageError):
        superres.resolve("lanczos", 1)


def test_lanczos_needs_no_model_and_a_path_is_taken_as_given(tmp_path: Path):
    assert superres.resolve("lanczos", 3) == superres.SuperResModel("lanczos", 3, None, "lanczos")
    with pytest.raises(ModelError, match="not found"):
        superres.resolve("fsrcnn", 2, str(tmp_path / "mine.pb"))


@needs_models
def test_a_model_file_given_by_path_is_checked_by_running_it(tmp_path: Path):
    own = tmp_path / "my model.pb"
    shutil.copy(MODELS / "FSRCNN-small_x2.pb", own)
    model = superres.resolve("fsrcnn-small", 2, str(own))
    assert model == superres.SuperResModel("fsrcnn-small", 2, own, "my model")
    assert Upscaler(model).scale == 2
    with pytest.raises(ModelError, match="x3"):  # an x2 graph passed off as x3
        Upscaler(superres.resolve("fsrcnn-small", 3, str(own)))
    (tmp_path / "junk.pb").write_bytes(b"not a graph")
    with pytest.raises(ModelError, match=r"junk\.pb"):
        Upscaler(superres.resolve("espcn", 2, str(tmp_path / "junk.pb")))


# --- upscaling real frames --------------------------------------------------------------------------


@needs_models
@pytest.mark.parametrize("method", ["lanczos", *LEARNED])
def test_each_method_doubles_real_frames_exactly(method: str, film_frames: list[np.ndarray]):
    upscaler = Upscaler(superres.resolve(method, 2))
    odd = np.ascontiguousarray(film_frames[1][100:191, 200:361])  # 161 wide, 91 high
    for frame in [*film_frames[:2], odd, film_frames[3][7:98, 9:170]]:  # the last one is a strided view
        out = upscaler.upscale(frame)
        height, width = frame.shape[:2]
        assert out.shape == (height * 2, width * 2, 3) and out.dtype == np.uint8
        # Same picture, same colours: RGB stays RGB (a BGR mix-up would swap the film's orange and teal).
        back = cv2.resize(out, (width, height), interpolation=cv2.INTER_AREA)
        assert psnr(back, frame) > 30, method


@needs_models
def test_scales_three_and_four(film_frames: list[np.ndarray]):
    frame = film_frames[2][:90, :160]
    for method, scale in [("lanczos", 3), ("fsrcnn", 3), ("espcn", 4), ("fsrcnn-small", 4), ("lapsrn", 4)]:
        assert Upscaler(superres.resolve(method, scale)).upscale(frame).shape == (90 * scale, 160 * scale, 3)


@needs_models
def test_sharpen_adds_edge_contrast_to_lanczos_only(film_frames: list[np.ndarray]):
    frame = film_frames[0]
    model = superres.resolve("lanczos", 2)
    plain = Upscaler(model).upscale(frame)
    assert np.array_equal(plain, cv2.resize(frame, (1280, 720), interpolation=cv2.INTER_LANCZOS4))
    sharp = Upscaler(model, sharpen=0.5).upscale(frame)
    assert sharp.dtype == np.uint8 and sharp.shape == plain.shape

    def edge_energy(image: np.ndarray) -> float:
        return float(cv2.Laplacian(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), cv2.CV_64F).var())

    assert edge_energy(sharp) > 1.2 * edge_energy(plain)
    learned = superres.resolve("fsrcnn-small", 2)  # learned models sharpen themselves: the amount is ignored
    assert np.array_equal(Upscaler(learned, sharpen=0.5).upscale(frame), Upscaler(learned).upscale(frame))
    with pytest.raises(ValueError):
        Upscaler(model).upscale(frame[..., 0])


@needs_models
def test_one_upscaler_per_thread_gives_the_single_thread_output(film_frames: list[np.ndarray]):
    model = superres.resolve("fsrcnn-small", 2)
    frames = [f[:180, :320] for f in film_frames]
    expected = [Upscaler(model).upscale(f) for f in frames]
    results: dict[tuple[int, int], np.ndarray] = {}

    def work(worker: int, upscaler: Upscaler) -> None:
        for _ in range(2):
            for i, frame in enumerate(frames):
                results[worker, i] = upscaler.upscale(frame)

    shared = Upscaler(model)  # shared anyway: its lock keeps it correct
    for upscalers in ([Upscaler(model), Upscaler(model)], [shared, shared]):
        results.clear()
        threads = [threading.Thread(target=work, args=(k, u)) for k, u in enumerate(upscalers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(results) == 2 * len(frames)
        assert all(np.array_equal(results[k, i], expected[i]) for k, i in results)


# --- a video frame's own Y'CbCr planes (what the video pipeline upscales) ---------------------------------


@pytest.fixture(scope="module")
def film_planes() -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The 4:2:0 planes of four frames of the film, as coded (untagged SD: BT.601, limited range)."""
    need(CLIP.is_file(), f"shared clip not found at {CLIP}")
    with av.open(str(CLIP)) as container:
        frames = [f for i, f in enumerate(container.decode(video=0)) if i % 60 == 15]
        return [ycbcr_planes(f, "smpte170m", "tv") for f in frames]


@needs_models
@pytest.mark.parametrize("method", ["lanczos", *LEARNED])
def test_each_method_upscales_a_frames_own_planes_and_keeps_their_levels(method: str, film_planes: list):
    upscaler = Upscaler(superres.resolve(method, 2), sharpen=0.5)
    for luma, cb, cr in film_planes:
        out = upscaler.upscale_ycbcr((luma, cb, cr))
        assert [p.shape for p in out] == [(720, 1280), (360, 640), (360, 640)] and all(p.dtype == np.uint8 for p in out)
        for before, after in zip((luma, cb, cr), out, strict=True):
            assert float(after.mean()) == pytest.approx(float(before.mean()), abs=0.1)  # no level shift
        shrunk = cv2.resize(out[0], (640, 360), interpolation=cv2.INTER_AREA)
        assert psnr(shrunk, luma) > 38, method  # the same picture


@needs_models
def test_the_back_projection_removes_the_level_shift_of_the_networks():
    """ESPCN alone brightens the real iPhone clip's wall by 0.3 luma levels or more; through `upscale_ycbcr` the
    mean stays within 0.05 of the input's."""
    phone = VIDEO / "iphone_portrait_rotated.mov"
    need(phone.is_file(), f"shared clip not found at {phone}")
    model = superres.resolve("espcn", 2)
    with av.open(str(phone)) as container:
        luma, cb, cr = upright_planes(ycbcr_planes(next(container.decode(video=0)), "bt709", "tv"), probe(phone).video)
    bare = cv2.dnn_superres.DnnSuperResImpl_create()  # the model alone, on the same 0..255 luma
    bare.readModel(str(model.path))
    bare.setModel("espcn", 2)
    full_range = np.clip(np.rint((luma.astype(np.float32) - 16) * 255 / 219), 0, 255).astype(np.uint8)
    alone = bare.upsample(full_range).astype(np.float32) * 219 / 255 + 16
    assert float(alone.mean()) - float(luma.mean()) > 0.3
    out = Upscaler(model).upscale_ycbcr((luma, cb, cr))
    assert out[0].shape == (1136, 640)
    assert float(out[0].mean()) == pytest.approx(float(luma.mean()), abs=0.05)


@needs_models
@pytest.mark.parametrize("method", LEARNED)
def test_flat_colours_stay_the_same_through_the_learned_models(method: str):
    """Flat grey levels in either range keep their mean (black and white too, where nothing clips), and flat
    colours through the RGB path stay within a tenth of a level (dnn_superres's own 8-bit Y'CrCb round trips
    moved them by up to a level)."""
    upscaler = Upscaler(superres.resolve(method, 2))
    for level, full in [(16, False), (235, False), (128, False), (40, True), (220, True)]:
        flat = np.full((40, 56), level, np.uint8)
        chroma = np.full((20, 28), 128, np.uint8)
        luma, cb, cr = upscaler.upscale_ycbcr((flat, chroma, chroma), full_range=full)
        assert float(luma.mean()) == pytest.approx(level, abs=0.05), (method, level)
        assert np.array_equal(cb, np.full((40, 56), 128)) and np.array_equal(cr, cb)
    for colour in [(166, 157, 148), (30, 60, 20), (200, 40, 90)]:
        out = upscaler.upscale(np.full((48, 64, 3), colour, np.uint8))
        assert np.abs(out.reshape(-1, 3).mean(axis=0) - colour).max() < 0.1, (method, colour)


# --- quality, measured --------------------------------------------------------------------------------


def test_psnr_and_ssim_on_known_cases(film_frames: list[np.ndarray]):
    frame = film_frames[0]
    assert psnr(frame, frame) == float("inf") and ssim(frame, frame) == pytest.approx(1.0)
    noisy = np.clip(frame.astype(np.int16) + np.random.default_rng(0).choice([-4, 4], frame.shape), 0, 255).astype(np.uint8)
    mse = np.mean((noisy.astype(float) - frame) ** 2)
    assert psnr(frame, noisy) == pytest.approx(10 * np.log10(255**2 / mse))
    assert 0 < ssim(frame, noisy) < 1
    with pytest.raises(ValueError):
        psnr(frame, frame[1:])


def test_ssim_matches_a_direct_windowed_computation(film_frames: list[np.ndarray]):
    a = film_frames[1][100:140, 200:250]
    b = cv2.GaussianBlur(a, (5, 5), 1.2)
    x, y = (img.astype(np.float64) @ np.array([0.299, 0.587, 0.114]) for img in (a, b))
    g = cv2.getGaussianKernel(11, 1.5)
    weights = g @ g.T
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    values = []
    for i in range(x.shape[0] - 10):
        for j in range(x.shape[1] - 10):
            wx, wy = x[i : i + 11, j : j + 11], y[i : i + 11, j : j + 11]
            mx, my = (weights * wx).sum(), (weights * wy).sum()
            vx, vy = (weights * (wx - mx) ** 2).sum(), (weights * (wy - my) ** 2).sum()
            cov = (weights * (wx - mx) * (wy - my)).sum()
            values.append(((2 * mx * my + c1) * (2 * cov + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2)))
    assert ssim(a, b) == pytest.approx(float(np.mean(values)), abs=1e-9)


@needs_models
def test_fsrcnn_restores_downscaled_film_frames_better_than_bicubic(film_frames: list[np.ndarray]):
    """Downscale real frames by 2 (area), upscale back, compare with the originals: FSRCNN against bicubic."""
    fsrcnn = Upscaler(superres.resolve("fsrcnn", 2))
    scores: dict[str, list[tuple[float, float]]] = {"fsrcnn": [], "bicubic": []}
    for frame in film_frames:
        height, width = frame.shape[:2]
        small = cv2.resize(frame, (width // 2, height // 2), interpolation=cv2.INTER_AREA)
        restored = {
            "fsrcnn": fsrcnn.upscale(small),
            "bicubic": cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC),
        }
        for name, image in restored.items():
            scores[name].append((psnr(frame, image), ssim(frame, image)))
    mean = {name: np.mean(values, axis=0) for name, values in scores.items()}
    assert mean["fsrcnn"][0] > mean["bicubic"][0]  # PSNR, dB
    assert mean["fsrcnn"][1] > mean["bicubic"][1]  # SSIM

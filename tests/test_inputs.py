from pathlib import Path

from subtitler.inputs import expand, name_outputs


def test_folders_globs_and_files_expand(tmp_path: Path):
    (tmp_path / "in" / "sub").mkdir(parents=True)
    for name in ("a.mp4", "b.MOV", "notes.txt", ".hidden.mp4", "sub/c.wav"):
        (tmp_path / "in" / name).write_bytes(b"x")
    out = tmp_path / "in" / "out"
    out.mkdir()
    (out / "old.mp4").write_bytes(b"x")  # an output folder inside the input folder is not read again
    found = expand([str(tmp_path / "in")], out)
    assert sorted(p.name for p in found) == ["a.mp4", "b.MOV", "c.wav"]
    globbed = expand([str(tmp_path / "in" / "*.mp4")], out)
    assert [p.name for p in globbed] == ["a.mp4"]
    missing = expand([str(tmp_path / "gone.mp4")], out)
    assert [p.name for p in missing] == ["gone.mp4"]  # kept, so that it fails with a message


def test_duplicates_dropped_and_stems_made_unique(tmp_path: Path):
    a = tmp_path / "x" / "talk.mp4"
    b = tmp_path / "y" / "talk.mov"
    found = expand([str(a), str(a), str(b)], tmp_path / "out")
    assert len(found) == 2
    assert [i.stem for i in name_outputs(found)] == ["talk", "talk-2"]

"""The layering written in pyproject.toml holds, and covers every module of the package."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent


def _layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    layered = next(c for c in contracts if c["type"] == "layers")
    names = []
    for layer in layered["layers"]:
        names += [name.strip() for name in layer.replace("|", ":").split(":") if name.strip()]
    return names


def test_every_module_has_a_layer() -> None:
    layers = _layers()
    graph = grimp.build_graph("subtitler")
    unplaced = sorted(
        module
        for module in graph.modules
        if module != "subtitler" and not any(module == layer or module.startswith(f"{layer}.") for layer in layers)
    )
    assert unplaced == [], f"add these modules to a layer in pyproject.toml: {unplaced}"


def test_no_stage_module_imports_another() -> None:
    graph = grimp.build_graph("subtitler")
    stages = {m for m in graph.modules if m.startswith("subtitler.stages.")}
    crossing = sorted(
        (stage, imported) for stage in stages for imported in graph.find_modules_directly_imported_by(stage) if imported in stages
    )
    assert crossing == []


def test_import_contracts_are_kept() -> None:
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    done = subprocess.run([command], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "0 broken" in done.stdout

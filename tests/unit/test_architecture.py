"""The layer contracts of docs/ARCHITECTURE.md, checked by import-linter ([tool.importlinter]
in pyproject.toml): desktop -> policy -> audio -> resources, no Qt in the core, and the faces
take from audio/ only its errors and its device listing.

import-linter reads every import statement (inside functions and under TYPE_CHECKING too) but
cannot see a module name built at run time, so the project has none: the last test checks that.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("desktop", "policy", "audio", "resources")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    """Run lint-imports on the packages under `tree`, with the project's contracts."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    """A copy of the project's packages and contracts, to break on purpose."""
    for package in PACKAGES:
        shutil.copytree(
            REPO_ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(REPO_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_project_keeps_every_contract() -> None:
    result = _lint(REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # A face reaching past policy/ into the container (inside a function: still found).
        (
            "desktop/gui/wizard.py",
            "def _peek():\n    from audio.container import layout\n",
            "The faces take from audio/ only its errors and its device listing",
        ),
        ("desktop/cli/base.py", "import audio.vault.store\n", "The faces take from audio/"),
        # The core importing Qt, behind TYPE_CHECKING.
        (
            "audio/container/writer.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import PySide6.QtCore\n",
            "The core (audio, policy, resources) never imports Qt",
        ),
        # A lower layer importing a higher one.
        ("policy/display.py", "from desktop.cli import exits\n", "Layers:"),
        ("audio/durable.py", "import policy.inputs\n", "Layers:"),
        # The command line using the Qt app's widgets.
        (
            "desktop/cli/base.py",
            "from desktop.gui import wizard\n",
            "The command line and the Qt app are separate faces",
        ),
    ],
)
def test_a_forbidden_import_breaks_a_contract(
    tree_copy: Path, module: str, line: str, broken: str
) -> None:
    path = tree_copy / module
    path.write_text(path.read_text() + "\n\n" + line)
    result = _lint(tree_copy)
    assert result.returncode != 0, result.stdout
    # One verdict line per contract: "<name>KEPT" or "<name>BROKEN", maybe "(n ignored imports)".
    verdicts = [row for row in result.stdout.splitlines() if "KEPT" in row or "BROKEN" in row]
    assert any(row.startswith(broken) and "BROKEN" in row for row in verdicts), result.stdout


def test_no_module_is_imported_by_a_name_built_at_run_time() -> None:
    """import-linter sees only import statements; importlib would slip past it."""
    found: list[str] = []
    for package in PACKAGES:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Call):
                    name = ast.unparse(node.func)
                    if name in ("__import__", "importlib.import_module", "import_module"):
                        found.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno}")
    assert found == []

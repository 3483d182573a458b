"""Layering rule: the core packages (audio, policy) must not depend on Qt or on the GUI.

Checked statically by walking each module's AST, so it also catches imports inside
functions, classes and conditionals, without importing (and running) the modules.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CORE_PACKAGES = ("audio", "policy")
# Top-level modules the core may never import (submodules included).
FORBIDDEN = ("PySide6", "shiboken6", "desktop")


def _is_forbidden(module: str) -> bool:
    return any(module == f or module.startswith(f + ".") for f in FORBIDDEN)


def _resolve_relative(package: list[str], level: int, module: str | None) -> str:
    """Absolute name of ``from <level dots><module> import ...`` inside ``package``."""
    base = package[: max(len(package) - (level - 1), 0)]
    parts = base + (module.split(".") if module else [])
    return ".".join(parts)


def forbidden_imports(
    source: str, package: str = "audio", forbidden: Callable[[str], bool] | None = None
) -> list[tuple[int, str]]:
    """Return (line, imported module) for every forbidden import in ``source``.

    ``package`` is the dotted package that contains the module, used to resolve relative
    imports. Dynamic imports via ``importlib.import_module("...")`` or ``__import__("...")``
    with a literal name are detected too.
    """
    package_parts = package.split(".") if package else []
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        candidates: list[str] = []
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _resolve_relative(package_parts, node.level, node.module)
            else:
                base = node.module or ""
            # "from x import y" may import the submodule x.y.
            candidates = [base] + [f"{base}.{a.name}" if base else a.name for a in node.names]
        elif isinstance(node, ast.Call) and _is_dynamic_import(node.func):
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                candidates = [first.value]
        for name in candidates:
            if name and (forbidden or _is_forbidden)(name):
                found.append((node.lineno, name))
                break
    return sorted(found)


def _is_dynamic_import(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return func.id in {"__import__", "import_module"}
    return isinstance(func, ast.Attribute) and func.attr == "import_module"


def _core_modules() -> list[Path]:
    return sorted(
        path
        for pkg in CORE_PACKAGES
        if (REPO_ROOT / pkg).is_dir()
        for path in (REPO_ROOT / pkg).rglob("*.py")
    )


def test_core_packages_do_not_import_qt_or_gui() -> None:
    assert (REPO_ROOT / "pyproject.toml").is_file(), "REPO_ROOT is wrong"
    violations = []
    for path in _core_modules():
        rel = path.relative_to(REPO_ROOT)
        package = ".".join(rel.parent.parts)
        for line, name in forbidden_imports(path.read_text(encoding="utf-8"), package):
            violations.append(f"{rel}:{line}: imports {name}")
    assert not violations, "core modules must not depend on Qt or desktop:\n" + "\n".join(
        violations
    )


@pytest.mark.parametrize(
    ("source", "package", "expected"),
    [
        ("import PySide6\n", "audio", [(1, "PySide6")]),
        ("import os\nimport PySide6.QtCore as qc\n", "audio", [(2, "PySide6.QtCore")]),
        ("from PySide6.QtWidgets import QWidget\n", "policy", [(1, "PySide6.QtWidgets")]),
        ("from shiboken6 import isValid\n", "audio", [(1, "shiboken6")]),
        ("import desktop.app\n", "policy", [(1, "desktop.app")]),
        ("from desktop import main_window\n", "audio", [(1, "desktop")]),
        (
            "def later():\n    if True:\n        from PySide6 import QtCore\n",
            "audio",
            [(3, "PySide6")],
        ),
        ("class A:\n    def m(self):\n        import desktop\n", "audio", [(3, "desktop")]),
        ("from ...desktop import app\n", "audio.capture", [(1, "desktop")]),
        ("from ... import desktop\n", "audio.capture", [(1, "desktop")]),
        (
            "import importlib\nimportlib.import_module('PySide6.QtGui')\n",
            "audio",
            [(2, "PySide6.QtGui")],
        ),
        ("__import__('desktop')\n", "policy", [(1, "desktop")]),
    ],
)
def test_detector_catches_forbidden_imports(
    source: str, package: str, expected: list[tuple[int, str]]
) -> None:
    assert forbidden_imports(source, package) == expected


def test_detector_allows_clean_modules() -> None:
    source = (
        "import os\n"
        "import numpy as np\n"
        "import desktop_helpers\n"  # Only a name prefix, not the desktop package.
        "from PySide6extra import thing\n"
        "from audio import capture\n"
        "from . import desktop_like\n"
        "from .desktop import local\n"  # audio.desktop is part of the core, allowed.
        "def f():\n"
        "    import policy.rules\n"
    )
    assert forbidden_imports(source, "audio") == []


# The faces (desktop/: the window and the command line) parse, call the core (policy/) and
# render; from the audio layer they may use only its errors and its device listing.
FACE_PACKAGE = "desktop"
FACE_MAY_USE = ("audio.errors", "audio.devices")


def face_forbidden(name: str) -> bool:
    if name == "audio" or not name.startswith("audio."):
        return False
    return not any(name == ok or name.startswith(ok + ".") for ok in FACE_MAY_USE)


def test_the_faces_reach_audio_only_through_the_core() -> None:
    violations = []
    for path in sorted((REPO_ROOT / FACE_PACKAGE).rglob("*.py")):
        rel = path.relative_to(REPO_ROOT)
        package = ".".join(rel.parent.parts)
        source = path.read_text(encoding="utf-8")
        for line, name in forbidden_imports(source, package, face_forbidden):
            violations.append(f"{rel}:{line}: imports {name}")
    assert not violations, "a face imports the audio layer directly:\n" + "\n".join(violations)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from audio.vault import Vault\n", [(1, "audio.vault")]),
        ("from audio import container\n", [(1, "audio.container")]),
        ("def f():\n    from audio.copyverify import verify_copy\n", [(2, "audio.copyverify")]),
        (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import audio.playback\n",
            [(3, "audio.playback")],
        ),
        ("from audio.errors import GespreksError\nfrom audio.devices import find_device\n", []),
        ("from audio import errors\nimport audio_tools\n", []),
    ],
)
def test_the_face_rule_catches_a_face_importing_audio(
    source: str, expected: list[tuple[int, str]]
) -> None:
    """Shown once: a face that imports a forbidden audio module is caught."""
    assert forbidden_imports(source, FACE_PACKAGE, face_forbidden) == expected

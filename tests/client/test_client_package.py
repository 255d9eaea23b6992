"""The client as its own distribution: what it imports, and what its wheel asks to install.

A partner installs ``energy-contracts-client`` into their own application, so it must need
nothing beyond httpx and msgspec (never the server's framework or database drivers), and its
modules must import each other in one direction only.
"""

from __future__ import annotations

import ast
import graphlib
import re
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

import energy_contracts_client

CLIENT_DISTRIBUTION = Path(__file__).parents[2] / "clients" / "python"
CLIENT_PACKAGE = CLIENT_DISTRIBUTION / "src" / "energy_contracts_client"
PACKAGE = "energy_contracts_client"
ALLOWED_THIRD_PARTY = {"httpx", "msgspec"}


def imported_modules(source: Path) -> list[tuple[str, int]]:
    """Every module ``source`` imports, anywhere in it (``TYPE_CHECKING`` blocks included)."""
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{source.name}:{node.lineno}: relative import"
            assert node.module is not None
            found.append((node.module, node.lineno))
    return found


def client_modules() -> dict[str, Path]:
    return {
        PACKAGE if path.stem == "__init__" else f"{PACKAGE}.{path.stem}": path
        for path in sorted(CLIENT_PACKAGE.glob("*.py"))
    }


def test_the_server_imports_the_client_from_its_own_directory() -> None:
    assert Path(energy_contracts_client.__file__).parent == CLIENT_PACKAGE
    assert set(client_modules()) >= {PACKAGE, f"{PACKAGE}._core", f"{PACKAGE}._sync"}


def test_the_client_imports_only_the_standard_library_httpx_and_msgspec() -> None:
    allowed = set(sys.stdlib_module_names) | ALLOWED_THIRD_PARTY | {PACKAGE}
    outside = [
        f"{path.name}:{line}: {module}"
        for path in client_modules().values()
        for module, line in imported_modules(path)
        if module.split(".")[0] not in allowed
    ]

    assert outside == []


def test_the_client_modules_import_each_other_without_a_cycle() -> None:
    modules = client_modules()
    graph = {
        name: {module for module, _ in imported_modules(path) if module in modules}
        for name, path in modules.items()
    }

    order = list(graphlib.TopologicalSorter(graph).static_order())  # raises CycleError

    # The layers: models, errors and the rules at the bottom, the clients on top.
    assert order.index(f"{PACKAGE}.models") < order.index(f"{PACKAGE}._core")
    assert order.index(f"{PACKAGE}._core") < order.index(f"{PACKAGE}._api")
    assert order.index(f"{PACKAGE}._api") < order.index(f"{PACKAGE}._sync")
    assert order.index(f"{PACKAGE}._api") < order.index(f"{PACKAGE}._async")
    assert order[-1] == PACKAGE


@pytest.mark.slow
def test_the_client_wheel_requires_httpx_and_msgspec_only(tmp_path: Path) -> None:
    # Built from a copy: setuptools leaves build/ and *.egg-info beside the sources, and a
    # stale build/ would put files into the wheel that the sources no longer have.
    sources = shutil.copytree(
        CLIENT_DISTRIBUTION,
        tmp_path / "sources",
        ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"),
    )
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir",
         str(wheels), str(sources)],
        check=True,
    )  # fmt: skip
    (wheel,) = wheels.glob("*.whl")

    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (metadata_file,) = [name for name in names if name.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(archive.read(metadata_file).decode())

    required = {requirement_name(line) for line in metadata.get_all("Requires-Dist") or []}
    assert required == ALLOWED_THIRD_PARTY
    assert (metadata["Name"], metadata["Version"]) == (
        "energy-contracts-client",
        energy_contracts_client.__version__,
    )
    assert {name.split("/")[0] for name in names if ".dist-info/" not in name} == {PACKAGE}
    assert f"{PACKAGE}/py.typed" in names


def requirement_name(requirement: str) -> str:
    """``httpx>=0.27,<1`` → ``httpx`` (PEP 508: the name comes first)."""
    name = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert name is not None, requirement
    return name.group().lower()

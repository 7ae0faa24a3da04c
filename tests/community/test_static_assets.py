"""Static files survive collectstatic's manifest storage (the Docker build runs it)."""

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "community" / "static"
SOURCE_MAP = re.compile(rb"[#@] sourceMappingURL=(\S+)")


def test_every_source_map_a_static_file_names_is_shipped_beside_it():
    # ManifestStaticFilesStorage rewrites these references and fails the whole
    # collectstatic on a missing one (Chart.js names its .map).
    scripts = list(STATIC.rglob("*.js")) + list(STATIC.rglob("*.css"))
    assert any(path.name == "chart.umd.min.js" for path in scripts), "make assets first"
    missing = [
        f"{path.relative_to(STATIC)} -> {name.decode()}"
        for path in scripts
        for name in SOURCE_MAP.findall(path.read_bytes()[-4096:])
        if not (path.parent / name.decode()).exists()
    ]
    assert missing == []

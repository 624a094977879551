"""Write the brotli copy of each vendored script and style sheet beside it (``NAME.br``).

The site sends these compressed (landrelease.web.assets); the strongest brotli setting takes
seconds on a 1 MB script, too long to spend on a server's first request, so it is spent here,
once per vendored version (``scripts/vendor-js.sh`` runs this after copying the files). A copy
that no longer holds its file is ignored by the server, which then compresses the file itself.

    .venv/bin/python scripts/compress_vendor.py            # write the missing or stale copies
    .venv/bin/python scripts/compress_vendor.py --check    # list them; exit 1 if any
"""

from __future__ import annotations

import sys
from pathlib import Path

import brotli

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from landrelease.web.assets import BROTLI_QUALITY, ROOT, Assets


def main(check: bool) -> int:
    assets = Assets(ROOT)
    stale = 0
    for file in sorted((ROOT / "vendor").rglob("*")):
        path = file.relative_to(ROOT).as_posix()
        asset = assets.get(path) if file.is_file() and file.suffix != ".br" else None
        if asset is None or not asset.compressible or file.suffix not in (".js", ".mjs", ".css"):
            continue
        if assets.stored_brotli(asset) is not None:
            continue
        stale += 1
        if check:
            print(f"stale    {path}.br")
            continue
        data = brotli.compress(asset.body, quality=BROTLI_QUALITY)
        (ROOT / f"{path}.br").write_bytes(data)
        print(f"wrote    {path}.br ({len(asset.body):,} → {len(data):,} bytes)")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv[1:]))

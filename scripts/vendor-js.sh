#!/usr/bin/env bash
# Re-vendor the web application's front-end libraries from the npm registry.
#
# The app serves these files itself (no CDN, no network at run time); this
# script is how they got into landrelease/web/static/vendor/. Each package is
# pinned to a version and to the sha512 integrity the registry publishes for
# that version's tarball: the script fetches the tarball with `npm pack`, checks
# that the registry still names the same integrity (`npm view PKG@VER
# dist.integrity`) and that the downloaded bytes hash to it, and only then copies
# the built files and the licence.
#
# Needs: npm (registry reachable), tar, openssl (or python3) for the hash.
# Usage:  bash scripts/vendor-js.sh            # writes into landrelease/web/static/vendor/
#         bash scripts/vendor-js.sh --check    # compares the vendored files with the tarballs
#         bash scripts/vendor-js.sh [--check] axe-core   # only the packages named
#
# A destination starting with "tests/" is a test asset (axe-core, the accessibility
# checker the browser tests inject): it goes under the repository's tests/, not into the app.
#
# Never run by the tests or by make: it needs the network.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/landrelease/web/static/vendor"
CHECK=0
[[ "${1:-}" == "--check" ]] && CHECK=1 && shift
ONLY=("$@")

# name  version  integrity (from `npm view NAME@VERSION dist.integrity`)
PACKAGES=(
  "leaflet 1.9.4 sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA=="
  "maplibre-gl 6.20.0 sha512-7manvqXeNoN0mKRzenYDopkb3VW9j7iag45RvopkOVFZ7c+La7CBWtK8eBS5bKrI6NyxqAIxPxIG1PMcotcY1w=="
  "chart.js 4.6.1 sha512-hJyniucsFmq//EvXYvJ6c6mahPoI3kaxdjVH8awTaJ/fDNWeSqqqArixMJWkWNN6fcYvPU3HneSANFNYtRi61g=="
  "axe-core 4.14.1 sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
)

# What each package contributes: "path in the tarball -> path under vendor/".
files_of() {
  case "$1" in
    leaflet)
      echo "package/dist/leaflet.js leaflet/leaflet.js"
      echo "package/dist/leaflet.css leaflet/leaflet.css"
      echo "package/dist/images/layers.png leaflet/images/layers.png"
      echo "package/dist/images/layers-2x.png leaflet/images/layers-2x.png"
      echo "package/dist/images/marker-icon.png leaflet/images/marker-icon.png"
      echo "package/dist/images/marker-icon-2x.png leaflet/images/marker-icon-2x.png"
      echo "package/dist/images/marker-shadow.png leaflet/images/marker-shadow.png"
      echo "package/LICENSE leaflet/LICENSE"
      ;;
    maplibre-gl)
      echo "package/dist/maplibre-gl.mjs maplibre/maplibre-gl.mjs"
      echo "package/dist/maplibre-gl-worker.mjs maplibre/maplibre-gl-worker.mjs"
      echo "package/dist/maplibre-gl.css maplibre/maplibre-gl.css"
      echo "package/LICENSE.txt maplibre/LICENSE.txt"
      ;;
    chart.js)
      echo "package/dist/chart.umd.min.js chartjs/chart.umd.min.js"
      echo "package/LICENSE.md chartjs/LICENSE.md"
      ;;
    axe-core)
      echo "package/axe.min.js tests/web/vendor/axe-core/axe.min.js"
      echo "package/LICENSE tests/web/vendor/axe-core/LICENSE"
      ;;
    *)
      echo "no file list for package $1" >&2
      exit 2
      ;;
  esac
}

sha512_b64() {
  if command -v openssl >/dev/null; then
    openssl dgst -sha512 -binary "$1" | base64 -w0
  else
    python3 -c 'import base64,hashlib,sys; print(base64.b64encode(hashlib.sha512(open(sys.argv[1],"rb").read()).digest()).decode(), end="")' "$1"
  fi
}

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
status=0

for entry in "${PACKAGES[@]}"; do
  read -r name version pinned <<<"$entry"
  if ((${#ONLY[@]})) && [[ ! " ${ONLY[*]} " == *" $name "* ]]; then
    continue
  fi
  published="$(npm view "$name@$version" dist.integrity 2>/dev/null | tail -n1 | tr -d "'[:space:]")"
  if [[ "$published" != "$pinned" ]]; then
    echo "$name@$version: the registry publishes integrity '$published', this script pins '$pinned'; refusing" >&2
    exit 1
  fi
  tarball="$(cd "$WORK" && npm pack "$name@$version" --silent 2>/dev/null | tail -n1)"
  actual="sha512-$(sha512_b64 "$WORK/$tarball")"
  if [[ "$actual" != "$pinned" ]]; then
    echo "$name@$version: the tarball hashes to $actual, expected $pinned; refusing" >&2
    exit 1
  fi
  mkdir -p "$WORK/$name"
  tar -xzf "$WORK/$tarball" -C "$WORK/$name"
  while read -r src dst; do
    if [[ "$dst" == tests/* ]]; then
      dst="$ROOT/$dst"
    else
      dst="$VENDOR/$dst"
    fi
    if [[ ! -f "$WORK/$name/$src" ]]; then
      echo "$name@$version: $src is not in the tarball" >&2
      exit 1
    fi
    if ((CHECK)); then
      if cmp -s "$WORK/$name/$src" "$dst"; then
        echo "ok       ${dst#"$ROOT"/} ($name@$version)"
      else
        echo "DIFFERS  ${dst#"$ROOT"/} ($name@$version)"
        status=1
      fi
    else
      mkdir -p "$(dirname "$dst")"
      cp "$WORK/$name/$src" "$dst"
      echo "vendored ${dst#"$ROOT"/} ($name@$version)"
    fi
  done < <(files_of "$name")
done
# the brotli copies the server sends (the strongest setting is too slow for a first request)
PY="$ROOT/.venv/bin/python"; [[ -x "$PY" ]] || PY=python3
if ((CHECK)); then
  "$PY" "$ROOT/scripts/compress_vendor.py" --check || status=1
else
  "$PY" "$ROOT/scripts/compress_vendor.py"
fi
exit "$status"

#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages landrelease needs beyond Python:
#   postgresql + postgis  a throwaway PostGIS server for the multi-user backend's tests
#   gdal-bin              ogrinfo / ogr2ogr, to prove exported files open in GDAL
#   chromium              headless browser for web-page tests
#   poppler-utils         pdftoppm, to look at rendered PDF reports
#   libpango, fonts       WeasyPrint renders PDF reports with them
# Run as root it installs them with apt; otherwise it prints the exact command.
set -euo pipefail
PKGS="postgresql-15-postgis-3 gdal-bin chromium chromium-driver poppler-utils fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
  echo "system packages: all present"
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "system packages: installing$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
  echo "system packages: installed"
else
  echo "system packages missing:$missing" >&2
  echo "install them with:  sudo apt-get update && sudo apt-get install -y$missing" >&2
  echo "(the PostGIS, GDAL, browser and PDF tests are skipped without them, except under CI=true)" >&2
  exit 3
fi

#!/bin/sh
# What the test suite needs beyond PyPI: Debian's Chromium for the browser tests (driven by Playwright
# with executable_path=/usr/bin/chromium; Playwright never downloads a browser), and axe-core from the
# npm registry for the accessibility checks, and ldes-client (a real LDES client) for the change feed's
# test (both into .cache/npm, which git ignores). Debian's Virtuoso and nginx for the external-store and
# static-export tests: tried, and where apt cannot install them those tests skip with a reason.
set -e
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi
# LibreOffice Calc (headless) for the test that saves the exported workbook as .ods and .xlsx with
# soffice --convert-to and imports both; the test skips with a reason where it is missing.
if ! command -v soffice >/dev/null; then
    if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libreoffice-calc-nogui >/dev/null || \
        echo "libreoffice-calc-nogui not installed; the LibreOffice round-trip test will be skipped" >&2
fi
if [ ! -f .cache/npm/node_modules/axe-core/axe.min.js ]; then
    if ! command -v npm >/dev/null; then
        if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq npm >/dev/null
    fi
    npm install --prefix .cache/npm axe-core@4.14 --no-audit --no-fund --silent
fi
if [ ! -x .cache/npm/node_modules/.bin/ldes-client ]; then
    npm install --prefix .cache/npm ldes-client@0.3.0 --no-audit --no-fund --silent || \
        echo "ldes-client not installed; the test that reads the feed with it will be skipped" >&2
fi
NEED_SERVERS=
command -v virtuoso-t >/dev/null || NEED_SERVERS=1
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || NEED_SERVERS=1
if [ -n "$NEED_SERVERS" ]; then
    if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
    # Guarded: a machine without these packages still runs the rest of the suite.
    ( $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
        virtuoso-opensource nginx-light >/dev/null ) \
        || echo "virtuoso-opensource/nginx could not be installed; their tests will be skipped" >&2
fi
# ckanext-dcat's own RDF parser for tests/test_ckan_parser.py: CKAN and ckanext-dcat from PyPI into a
# SEPARATE venv, .cache/ckan-venv (CKAN pins its own Flask/werkzeug). ckan's "requirements" extra brings
# its runtime pins; one of them, psycopg2, builds from source (pg_config from libpq-dev, and gcc). Skipped
# when the stamp names these versions. If it fails, the reason goes to .cache/ckan-venv.failed and the
# test skips with it (under CI or PUBLISHER_REQUIRE_SHARED it fails).
CKAN_STAMP="ckan[requirements]==2.12.0 ckanext-dcat==2.4.4"
if [ "$(cat .cache/ckan-venv/.installed 2>/dev/null)" != "$CKAN_STAMP" ]; then
    if ! command -v pg_config >/dev/null || ! command -v gcc >/dev/null; then
        if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
        ( $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
            libpq-dev gcc >/dev/null ) || echo "libpq-dev/gcc could not be installed" >&2
    fi
    mkdir -p .cache
    rm -rf .cache/ckan-venv .cache/ckan-venv.failed
    if python3 -m venv .cache/ckan-venv >.cache/ckan-venv.log 2>&1 \
        && .cache/ckan-venv/bin/pip install -q 'ckan[requirements]==2.12.0' 'ckanext-dcat==2.4.4' \
            >>.cache/ckan-venv.log 2>&1 \
        && .cache/ckan-venv/bin/python -c 'import ckanext.dcat.processors' >>.cache/ckan-venv.log 2>&1; then
        echo "$CKAN_STAMP" > .cache/ckan-venv/.installed
    else
        grep -v '^WARNING: Location' .cache/ckan-venv.log | tail -n 20 > .cache/ckan-venv.failed
        echo "CKAN/ckanext-dcat not installed (.cache/ckan-venv.failed); tests/test_ckan_parser.py will skip" >&2
    fi
fi
# Debian's Apache httpd for the test that serves the static export's .htaccess (mod_rewrite, mod_headers).
# Installed without starting it (policy-rc.d 101: the test starts its own on loopback); skipped if apt fails.
if [ ! -x /usr/sbin/apache2 ]; then
    if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
    POLICY=
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null && $SUDO chmod +x /usr/sbin/policy-rc.d
        POLICY=1
    fi
    ( $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq apache2 >/dev/null ) \
        || echo "apache2 could not be installed; the .htaccess test will be skipped" >&2
    [ -z "$POLICY" ] || $SUDO rm -f /usr/sbin/policy-rc.d
fi
# The SPARQL editor (CodeMirror 6 from npm, bundled into .cache/editor; see tools/build-editor.sh).
sh tools/build-editor.sh

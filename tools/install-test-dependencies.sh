#!/bin/sh
# System packages the test suite needs beyond PyPI: Debian's Chromium for the browser tests
# (driven by Playwright with executable_path=/usr/bin/chromium; Playwright never downloads a browser).
set -e
if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi

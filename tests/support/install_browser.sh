#!/usr/bin/env sh
# Install the headless browser the report tests drive: Chromium and ChromeDriver from Debian's
# packages (/usr/bin/chromium, /usr/bin/chromedriver). Idempotent: does nothing when both exist.
# Uses sudo only when not running as root. Exit codes: 0 installed or already there, 1 the
# install failed, 2 this machine has no apt-get (install Chromium and ChromeDriver yourself).
set -eu

CHROMIUM="${LEAD_SLA_CHROMIUM:-/usr/bin/chromium}"
CHROMEDRIVER="${LEAD_SLA_CHROMEDRIVER:-/usr/bin/chromedriver}"

if [ -x "$CHROMIUM" ] && [ -x "$CHROMEDRIVER" ]; then
    echo "browser: $CHROMIUM and $CHROMEDRIVER already installed"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: apt-get not found; install Chromium and ChromeDriver with your system's package manager" >&2
    echo "       (or point LEAD_SLA_CHROMIUM and LEAD_SLA_CHROMEDRIVER at them)" >&2
    exit 2
fi

if [ "$(id -u)" -eq 0 ]; then
    AS_ROOT=""
elif command -v sudo >/dev/null 2>&1; then
    AS_ROOT="sudo -n"  # never wait for a password: fail with sudo's message instead
else
    echo "error: not root and sudo not found; run as root: apt-get install -y chromium chromium-driver" >&2
    exit 1
fi

echo "browser: installing chromium and chromium-driver with apt-get"
export DEBIAN_FRONTEND=noninteractive
$AS_ROOT apt-get update -qq
$AS_ROOT apt-get install -y -qq --no-install-recommends chromium chromium-driver

if [ -x "$CHROMIUM" ] && [ -x "$CHROMEDRIVER" ]; then
    echo "browser: installed $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
else
    echo "error: apt-get finished but $CHROMIUM or $CHROMEDRIVER is missing" >&2
    exit 1
fi

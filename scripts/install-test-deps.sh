#!/usr/bin/env bash
# Installs the system programs the test suite drives for real (Debian/Ubuntu, as root or with sudo).
# Idempotent: each package is installed only when its binary is missing.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
# The status-page test drives Debian's chromium through playwright-core (executablePath /usr/bin/chromium).
[ -x /usr/bin/chromium ] || missing+=(chromium)

if [ "${#missing[@]}" -eq 0 ]; then
  echo "test dependencies already installed"
  exit 0
fi

echo "installing: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

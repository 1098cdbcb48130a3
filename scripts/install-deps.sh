#!/usr/bin/env bash
# install-deps.sh: makes sure the C libraries mailtls links (zlib, PCRE2, SQLite) and
# pkg-config are present; installs the missing Debian packages with apt-get (as root,
# or through sudo). Prints what it does; exits non-zero with a clear message when a
# package cannot be installed.
set -euo pipefail
missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
for pair in zlib:zlib1g-dev libpcre2-8:libpcre2-dev sqlite3:libsqlite3-dev; do
  pc=${pair%%:*}; pkg=${pair##*:}
  if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists "$pc"; then
    missing+=("$pkg")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2 || true
if ! $SUDO apt-get install -y -qq "${missing[@]}" >&2; then
  echo "install-deps: apt-get could not install ${missing[*]}" >&2
  exit 1
fi

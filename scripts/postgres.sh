#!/usr/bin/env bash
# Debian's PostgreSQL for the server-path test (tests/training/test_postgres.py): installs the
# `postgresql` package when no initdb is found. Needs root (or sudo) and a reachable apt mirror;
# exits 1 saying why otherwise, and the test is skipped with that message.
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "no apt-get on this machine: install PostgreSQL (initdb, pg_ctl) by hand" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "not root and no sudo: cannot apt-get install postgresql" >&2; exit 1; }
  SUDO=sudo
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
ls /usr/lib/postgresql/*/bin/initdb >/dev/null

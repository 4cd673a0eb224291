# Shared helpers for the run/test scripts. Sourced, not executed.
# shellcheck shell=bash

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
cd "$ROOT"

# Build outside the clone by default so CI reruns (fresh clones) are incremental.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/estacionate-target}"
export PATH="$HOME/.cargo/bin:$PATH"
# Same value as .cargo/config.toml; exported too so cargo-leptos' own env never differs.
export LEPTOS_OUTPUT_NAME=estacionate

say()  { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
warn() { printf '\033[1;33m!!\033[0m %s\n' "$*" >&2; }
die()  { printf '\033[1;31mxx\033[0m %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

# apt-get install, once per run, only when root (otherwise explain what is missing).
apt_install() {
  if ! is_root; then
    die "missing system packages: $*. Install them (apt-get install $*) or run as root."
  fi
  if [ -z "${_APT_UPDATED:-}" ]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || die "apt-get update failed"
    _APT_UPDATED=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || die "apt-get install $* failed"
}

# Version of a package in Cargo.lock (first match).
lock_version() {
  awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

# in_range name value min max: dies unless value is an integer in min..max (the benchmarks' options).
in_range() {
  [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -ge "$3" ] && [ "$2" -le "$4" ] || die "$1 must be an integer in $3..$4 (got '$2')"
}

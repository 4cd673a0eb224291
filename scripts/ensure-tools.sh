#!/usr/bin/env bash
# Installs what the build needs and is missing: the wasm32 target, cargo-leptos (built without
# downloads: this machine reaches only package registries), and the wasm-bindgen CLI of exactly
# the version in Cargo.lock. Second runs install nothing.
source "$(dirname "$0")/lib.sh"

command -v cargo >/dev/null || die "cargo not found: install Rust (rustup) first."

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if ! command -v cargo-leptos >/dev/null; then
  # cargo-leptos 0.3.11 needs rustc >= 1.96; 0.3.10 with its lockfile builds on 1.95.
  rustc_minor=$(rustc --version | sed -E 's/rustc 1\.([0-9]+).*/\1/')
  if [ "$rustc_minor" -ge 96 ]; then leptos_version=0.3.11; else leptos_version=0.3.10; fi
  say "cargo install cargo-leptos $leptos_version (about 15 minutes, once)"
  cargo install cargo-leptos --version "$leptos_version" --locked --features no_downloads
fi

# The release build (`make cluster`, the benchmarks) runs wasm-opt on the WebAssembly; cargo-leptos
# may not download it here, so it comes from Debian's binaryen.
command -v wasm-opt >/dev/null || apt_install binaryen

wbg_want=$(lock_version wasm-bindgen)
[ -n "$wbg_want" ] || die "wasm-bindgen not found in Cargo.lock"
wbg_have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$wbg_have" != "$wbg_want" ]; then
  say "cargo install wasm-bindgen-cli $wbg_want (about 5 minutes, once)"
  # --locked fails here (the registry index lacks a locked dependency), so resolve afresh.
  cargo install wasm-bindgen-cli --version "$wbg_want" --force
fi

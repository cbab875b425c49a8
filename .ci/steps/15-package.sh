#!/usr/bin/env bash
# The published package is the library: `cargo package` must list only the manifest, the
# README, src/ and the pictures the README shows (Cargo.toml `include`), every picture the
# README shows must be in it, and the package must build on its own (cargo package verifies
# by building the unpacked crate, with the dependencies from the registry).
set -euo pipefail
cd "$(dirname "$0")/../.."
list=$(cargo package --list --allow-dirty 2>/dev/null)
# Relative image links in the README: ![alt](path) and <img src="path">.
images=$(grep -oE '!\[[^]]*\]\([^)]+\)|<img [^>]*src="[^"]+"' README.md |
  sed -E 's/^!\[[^]]*\]\(([^) ]+).*$/\1/; s/^<img .*src="([^"]+)".*$/\1/' |
  grep -vE '^[a-z]+://' | sed 's|^\./||' | sort -u || true)
status=0
for img in $images; do
  if ! grep -qxF "$img" <<<"$list"; then
    echo "package: README shows $img, but the package does not ship it (Cargo.toml include)" >&2
    status=1
  fi
done
while read -r f; do
  case "$f" in
    Cargo.toml | Cargo.toml.orig | Cargo.lock | .cargo_vcs_info.json | README.md | src/*.rs) ;;
    *)
      if ! grep -qxF "$f" <<<"$images"; then
        echo "package: ships $f, which is neither the library nor a picture the README shows" >&2
        status=1
      fi
      ;;
  esac
done <<<"$list"
[ "$status" -eq 0 ] || exit 1
echo "package: $(wc -l <<<"$list") files ($(grep -c '\.png$' <<<"$list" || true) README pictures)"
cargo package --allow-dirty
ls -l target/package/stacknet-*.crate

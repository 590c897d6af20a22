#!/usr/bin/env bash
# The wheel: builds breachlab as a Python wheel with maturin (pyproject.toml, `bin`
# bindings), installs it into a fresh virtual environment and runs `breachlab --version`
# and `breachlab demo` from there, outside the source tree.
#
# Usage: tests/wheel/run.sh [RELEASE_BIN]
#   RELEASE_BIN  the binary of `cargo build --release --locked` (default: target/release/
#                breachlab under CARGO_TARGET_DIR if set). maturin builds with the same
#                profile into the same target folder, so after that build it compiles
#                nothing again; the wheel's binary must be those very bytes, which is
#                what keeps the wheel as fast as the release build.
# PYTHON: an interpreter with tests/wheel/requirements.txt installed (default: python3,
# installing them into a temporary venv).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
release_bin="${1:-${CARGO_TARGET_DIR:-$root/target}/release/breachlab}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python="${PYTHON:-}"
if [[ -z "$python" ]]; then
  python3 -m venv "$work/build-venv"
  "$work/build-venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  python="$work/build-venv/bin/python"
fi

(cd "$root" && "$python" -m maturin build --release --locked --out "$work/dist")
wheels=("$work"/dist/breachlab-*.whl)
echo "built ${wheels[*]##*/}"

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "${wheels[@]}"
installed="$work/venv/bin/breachlab"

if [[ -x "$release_bin" ]] && ! cmp -s "$installed" "$release_bin"; then
  echo "FAIL: the wheel's breachlab is not the release build's binary ($release_bin)" >&2
  exit 1
fi

cd "$work"
expected="breachlab $(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n 1)"
version="$("$installed" --version)"
if [[ "$version" != "$expected" ]]; then
  echo "FAIL: --version printed '$version', expected '$expected'" >&2
  exit 1
fi
"$installed" demo --out "$work/demo" >"$work/demo.log"
for file in dataset/manifest.json dataset/README.md report/report.json; do
  if [[ ! -s "$work/demo/$file" ]]; then
    echo "FAIL: the installed breachlab's demo wrote no $file" >&2
    cat "$work/demo.log" >&2
    exit 1
  fi
done
"$installed" verify "$work/demo/dataset" >/dev/null
echo "ok: pip-installed $version ran the demo ($(tail -n 1 "$work/demo.log"))"

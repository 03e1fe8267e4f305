#!/usr/bin/env bash
# Executes every notebook in this folder headless and fails on the first error.
# Installs what it needs when missing: the evcxr Jupyter kernel (cargo, cached under $DIFFPHYS_TOOLS, ~5 min
# the first time) and jupyter + nbconvert (pip).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="${DIFFPHYS_TOOLS:-$HOME/.cache/diffphys-tools}"
export PATH="$tools/evcxr/bin:$PATH"

if ! command -v evcxr_jupyter >/dev/null 2>&1; then
  echo "installing evcxr_jupyter into $tools/evcxr (first run only)"
  cargo install --locked evcxr_jupyter --root "$tools/evcxr"
fi
if ! python3 -m nbconvert --version >/dev/null 2>&1 || ! python3 -m jupyter --version >/dev/null 2>&1; then
  echo "installing jupyter and nbconvert"
  python3 -m pip install --quiet jupyter nbconvert
fi
if ! python3 -m jupyter kernelspec list 2>/dev/null | grep -qw rust; then
  evcxr_jupyter --install
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
status=0
for nb in "$here"/*.ipynb; do
  name="$(basename "$nb")"
  echo "executing $name"
  start=$(date +%s)
  if python3 -m jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=900 \
      --ExecutePreprocessor.kernel_name=rust --output-dir "$out" "$nb" >"$out/$name.log" 2>&1; then
    echo "  ok ($(( $(date +%s) - start )) s)"
  else
    echo "  FAILED: $name"
    # The failing cell and the compiler's message, not nbconvert's Python traceback.
    sed -n '/CellExecutionError/,$p' "$out/$name.log" | grep -v '^  File \|^    ' | head -60
    status=1
  fi
done
exit $status

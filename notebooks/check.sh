#!/usr/bin/env bash
# Executes every notebook in this folder headless and fails each one at its first error: a cell that does not
# compile, or one that panics (a failed assert!). evcxr reports a panic only on stderr and still answers "ok",
# so nbconvert alone would let it pass; the runner below checks every cell's stderr.
#
# Installs what it needs when missing: the evcxr Jupyter kernel (cargo, cached under $DIFFPHYS_TOOLS, ~5 min
# the first time) and jupyter + nbconvert (pip).
#
# Speed: all notebooks share one evcxr build folder, kept between runs under $DIFFPHYS_TOOLS/notebook-build
# (EVCXR_TMPDIR), so diffphys and its dependencies (nalgebra, num-dual, plotters, ...) are compiled once
# instead of once per notebook in a fresh temporary folder; and the cells' own crate is compiled at opt-level 0
# (see the config.toml below). Measured on 2 cores, seconds for notebooks 01/02/03, with another build running
# beside (so +-30%): before, on every run, 211/161/250, 227/168/132, 222/182/256 (530-660 s in all); now, with
# an empty cache, 92/38/29 and 101/44/39 (160-190 s; 250 s under load), then 36/39/29 and 35/45/32 (110 s),
# or 64/45/40 (150 s) from a clone in a new folder, which recompiles diffphys. What is left is compiling cells.
# DIFFPHYS_NOTEBOOK_CACHE=0: a temporary build folder, shared by this run's notebooks only (an empty cache).
#
# `bash notebooks/check.sh --write` also writes each notebook back with its outputs (printed numbers, inline
# plots), so that they show without running them; commit the result. CI runs without --write: every notebook
# must still run, and the committed outputs are left as they are. Each notebook runs in the kernel its metadata
# names (`rust`, evcxr), except Python notebooks (kernelspec language `python`): they need a Python with diffphys
# installed, named by $DIFFPHYS_PYTHON (e.g. a venv's bin/python with diffphys, matplotlib and ipykernel; CI
# sets it), which gets a kernelspec of its own in a temporary JUPYTER_PATH. Without $DIFFPHYS_PYTHON a Python
# notebook fails, saying so; it is not skipped.
#   DIFFPHYS_PYTHON=.venv/bin/python bash notebooks/check.sh
set -euo pipefail
write=0
if [[ "${1:-}" == "--write" ]]; then
  write=1
elif [[ $# -gt 0 ]]; then
  echo "usage: bash notebooks/check.sh [--write]" >&2
  exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="${DIFFPHYS_TOOLS:-$HOME/.cache/diffphys-tools}"
export PATH="$tools/evcxr/bin:$PATH"

if ! command -v evcxr_jupyter >/dev/null 2>&1; then
  echo "installing evcxr_jupyter into $tools/evcxr (first run only)"
  # opt-level 1 instead of the release profile's 3: the kernel only parses cells and runs cargo. At opt-level 3 the
  # install took 11m23s of a clean CI run on 2 cores; the opt-level 1 install has not been timed yet.
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 cargo install --locked evcxr_jupyter --root "$tools/evcxr"
fi
if ! python3 -c 'import nbclient, nbformat' >/dev/null 2>&1 || ! python3 -m jupyter --version >/dev/null 2>&1; then
  echo "installing jupyter and nbconvert"
  python3 -m pip install --quiet jupyter nbconvert
fi
# (grep reads all of the list: `grep -q` could exit early and, under pipefail, fail the pipeline.)
if ! python3 -m jupyter kernelspec list 2>/dev/null | grep -w rust >/dev/null; then
  evcxr_jupyter --install
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# The kernel's build folder and configuration. The configuration folder is ours (and empty), so a developer's
# ~/.config/evcxr (init.evcxr, evcxr.toml) cannot change what CI runs.
mkdir -p "$out/evcxr-config"
export EVCXR_CONFIG_DIR="$out/evcxr-config"
if [[ "${DIFFPHYS_NOTEBOOK_CACHE:-1}" != 0 ]]; then
  root="$tools/notebook-build"
  mkdir -p "$root"
  # One run at a time in the shared folder (evcxr rewrites its Cargo.toml and src/lib.rs for every cell).
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$root/lock"
    flock -n 9 || { echo "waiting for another notebooks run to finish ($root/lock)"; flock 9; }
  fi
  # Every new clone folder and every dependency update adds artifacts: start afresh past 4 GiB.
  if [[ -d "$root/kernel" ]] && (( $(du -sm "$root/kernel" | cut -f1) > 4096 )); then
    echo "notebook build cache over 4 GiB: clearing $root/kernel"
    rm -rf "$root/kernel"
  fi
else
  root="$out/build"
fi
mkdir -p "$root/kernel" "$root/.cargo"
export EVCXR_TMPDIR="$root/kernel"
# Each cell's libcode_N.so needs the toolchain's libstd-*.so, found through a RUNPATH relative to the .so. rustc
# computes it for target/.../debug/deps/ but evcxr loads the copy one folder up, so it points one level too
# high: harmless from /tmp (the extra ".." stops at /), "dlopen failed" at kernel start from a folder under the
# same home as ~/.rustup, like this cache. The loader reads LD_LIBRARY_PATH first: give it the directory.
rust_libdir="$(cd "$root/kernel" && rustc --print target-libdir)"
export LD_LIBRARY_PATH="$rust_libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# evcxr builds every cell as the crate `ctx` with [profile.dev] opt-level = 2 for all crates. Cargo reads this
# file from the kernel folder's parent: the cells' own crate is compiled unoptimised, diffphys and its
# dependencies stay at opt-level 2. Measured: notebooks 01 and 03 2.5-3x faster (their cells instantiate
# diffphys' generic code with dual numbers, which took 10-60 s per cell to optimise), 02 the same. Floating point
# is the same at every opt-level: the notebooks' printed numbers and plots were byte-identical both ways.
cat >"$root/.cargo/config.toml" <<'EOF'
# Written by diffphys' notebooks/check.sh for the evcxr kernel's builds in kernel/.
[profile.dev.package.ctx]
opt-level = 0
EOF

cat >"$out/run.py" <<'PY'
import os, re, sys
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

path = sys.argv[1]
ansi = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
panic = re.compile(r"^thread '.*' .*panicked at", re.M)


class Panicked(Exception):
    pass


class Client(NotebookClient):
    current = None

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        self.current = cell_index
        cell = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        stderr = "".join(o.get("text", "") for o in cell.get("outputs", [])
                         if o.get("output_type") == "stream" and o.get("name") == "stderr")
        if panic.search(stderr):
            raise Panicked()
        return cell


nb = nbformat.read(path, as_version=4)
# DIFFPHYS_NOTEBOOK_KERNEL: the kernel check.sh registered for a Python notebook (the metadata is left as it is)
kernel = os.environ.get("DIFFPHYS_NOTEBOOK_KERNEL") or nb.metadata.get("kernelspec", {}).get("name", "rust")
# no execution timestamps in the cells' metadata: a notebook written back changes only where its outputs do
client = Client(nb, kernel_name=kernel, timeout=900, startup_timeout=300, record_timing=False,
                resources={"metadata": {"path": os.path.dirname(path)}})
failed = None
try:
    client.execute()
except (CellExecutionError, Panicked) as e:
    failed = e
if failed is None:
    if os.environ.get("DIFFPHYS_NOTEBOOK_WRITE") == "1":
        nbformat.write(nb, path)
    sys.exit(0)
# The failing cell, and what it printed: the compiler's message or the panic.
cell = nb.cells[client.current] if client.current is not None else None
print("FAILED" + (" (panic)" if isinstance(failed, Panicked) else "") + " in the cell:")
print("------------------")
print(cell.source if cell else "?")
print("------------------")
lines = []
for o in (cell.outputs if cell else []):
    if o.output_type == "stream":
        lines += o.text.splitlines()
    elif o.output_type == "error":
        lines += [o.get("evalue", "")] + [l for t in o.get("traceback", []) for l in t.splitlines()]
    elif "text/plain" in o.get("data", {}):
        lines += o.data["text/plain"].splitlines()
lines = [ansi.sub("", l) for l in lines if l.strip()]
print("\n".join(lines[:80] if lines else [str(failed)]))
sys.exit(1)
PY

# The kernel for Python notebooks, registered once (on first use) from $DIFFPHYS_PYTHON; its name, or empty with the
# reason in $out/pykernel.err.
python_kernel() {
  if [[ -f "$out/pykernel.name" ]]; then cat "$out/pykernel.name"; return; fi
  : >"$out/pykernel.name"
  if [[ -z "${DIFFPHYS_PYTHON:-}" ]]; then
    echo "a Python notebook needs \$DIFFPHYS_PYTHON: set it to a Python with diffphys, matplotlib and ipykernel" \
      "installed, e.g. python3 -m venv .venv && .venv/bin/pip install ./python matplotlib ipykernel, then" \
      "DIFFPHYS_PYTHON=.venv/bin/python bash notebooks/check.sh" >"$out/pykernel.err"
  elif ! "$DIFFPHYS_PYTHON" -c 'import diffphys, matplotlib, ipykernel' >"$out/pykernel.err" 2>&1; then
    echo "DIFFPHYS_PYTHON=$DIFFPHYS_PYTHON cannot import diffphys, matplotlib and ipykernel (pip install ./python" \
      "matplotlib ipykernel into it):" | cat - "$out/pykernel.err" >"$out/pykernel.err2"
    mv "$out/pykernel.err2" "$out/pykernel.err"
  elif "$DIFFPHYS_PYTHON" -m ipykernel install --prefix "$out/pykernel" --name diffphys-python \
      --display-name "Python (diffphys)" >"$out/pykernel.err" 2>&1; then
    echo diffphys-python >"$out/pykernel.name"
  fi
  cat "$out/pykernel.name"
}

status=0
export DIFFPHYS_NOTEBOOK_WRITE=$write
for nb in "$here"/*.ipynb; do
  name="$(basename "$nb")"
  echo "executing $name"
  start=$(date +%s)
  ok=0
  language="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get("metadata", {}).get("kernelspec", {}).get("language", ""))' "$nb")"
  if [[ "$language" == python ]]; then
    kernel="$(python_kernel)"
    if [[ -z "$kernel" ]]; then
      echo "  FAILED: $name (a Python notebook)"
      sed 's/^/  /' "$out/pykernel.err"
      status=1
      continue
    fi
    # a Python cell's error fails the notebook at once: no retry with a fresh Rust build cache
    DIFFPHYS_NOTEBOOK_KERNEL="$kernel" JUPYTER_PATH="$out/pykernel/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}" \
      python3 "$out/run.py" "$nb" >"$out/$name.log" 2>&1 && ok=1
  else
    python3 "$out/run.py" "$nb" >"$out/$name.log" 2>&1 && ok=1
  fi
  if [[ $ok == 0 && "$language" != python && "${DIFFPHYS_NOTEBOOK_CACHE:-1}" != 0 ]] && ! grep -q '^FAILED' "$out/$name.log"; then
    # The kernel did not start or died (not a cell's error or panic, which fail at once): in case the shared
    # build folder is what is broken, start it afresh and try once more.
    echo "  the kernel failed with the shared build cache; clearing $root/kernel and retrying once"
    rm -rf "$root/kernel" && mkdir -p "$root/kernel"
    python3 "$out/run.py" "$nb" >"$out/$name.log" 2>&1 && ok=1
  fi
  if [[ $ok == 1 ]]; then
    echo "  ok ($(( $(date +%s) - start )) s)$([[ $write == 1 ]] && echo ", written back with its outputs")"
  else
    echo "  FAILED: $name ($(( $(date +%s) - start )) s)"
    sed -n '/^FAILED/,$p' "$out/$name.log" | grep . || tail -40 "$out/$name.log"
    status=1
  fi
done
exit $status

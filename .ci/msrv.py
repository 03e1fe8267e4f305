#!/usr/bin/env python3
"""The minimum supported Rust version (Cargo.toml's `rust-version`) against what the build needs.

This machine has one toolchain and cannot fetch another, so the MSRV is not checked by building with it. What is
checked instead:
  1. every package the library or the command line depends on (normal dependencies, all features on, the dev-
     dependencies left out: they build tests, not the crate) declares a `rust-version` no newer than ours, and the
     newest of them equals ours (so the declared MSRV is not lower than what the dependencies allow, nor needlessly
     higher);
  2. the toolchain CI runs is at least the MSRV;
  3. (in `.ci/run`'s clippy step) clippy's `incompatible_msrv` lint, on by default, rejects any use of a standard
     library item stabilised after our `rust-version`.
Language features newer than the MSRV are not caught by any of these; a build with that toolchain would.
Exit status 1 with the culprits named if a check fails.
"""
import json
import subprocess
import sys


def version(text):
    return tuple(int(x) for x in text.split(".")[:3]) + (0,) * (3 - len(text.split(".")[:3]))


def main():
    meta = json.loads(subprocess.check_output(
        ["cargo", "metadata", "--format-version", "1", "--all-features", "--locked"], text=True))
    packages = {p["id"]: p for p in meta["packages"]}
    root = meta["resolve"]["root"]
    ours = packages[root]["rust_version"]
    if not ours:
        sys.exit("msrv: Cargo.toml has no rust-version")
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    # normal dependencies reachable from the crate (build scripts' dependencies count: they are compiled too)
    seen, stack = set(), [root]
    while stack:
        for dep in nodes[stack.pop()]["deps"]:
            kinds = {k["kind"] for k in dep["dep_kinds"]}
            if kinds & {None, "build"} and dep["pkg"] not in seen:
                seen.add(dep["pkg"])
                stack.append(dep["pkg"])
    declared = sorted(((packages[i]["rust_version"], packages[i]["name"], packages[i]["version"])
                       for i in seen if packages[i]["rust_version"]), key=lambda r: version(r[0]))
    newest = declared[-1][0] if declared else "0"
    needing = [f"{n} {v} (rust-version {r})" for r, n, v in declared if version(r) == version(newest)]
    too_new = [f"{n} {v} (rust-version {r})" for r, n, v in declared if version(r) > version(ours)]
    rustc = subprocess.check_output(["rustc", "--version"], text=True).split()[1]
    print(f"msrv: rust-version {ours}; {len(seen)} dependencies, {len(declared)} declare one, the newest "
          f"{newest}: {', '.join(needing)}; toolchain {rustc}")
    failures = []
    if too_new:
        failures.append(f"dependencies need a newer Rust than rust-version = {ours}: {', '.join(too_new)}")
    elif version(newest) < version(ours):
        failures.append(f"rust-version = {ours} is higher than any dependency needs ({newest}); lower it or say why")
    if version(rustc) < version(ours):
        failures.append(f"the toolchain {rustc} is older than rust-version = {ours}")
    for f in failures:
        print(f"msrv: error: {f}", file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

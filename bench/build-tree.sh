#!/bin/sh
# Builds a tree for before/after figures without touching dist/ (other work may be building it):
#   bench/build-tree.sh <label> [<commit>] [<patch>]
# exports <commit> (default HEAD) to .tmp/bench/tree-<label>, applies <patch> if given, compiles it
# there, and prints the CLI to hand to the harness as GATEHOUSE_BIN.
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/.tmp/bench/tree-$1"
rm -rf "$dir" && mkdir -p "$dir"
git -C "$root" archive "${2:-HEAD}" src bin examples package.json tsconfig.json tsconfig.build.json | tar -x -C "$dir"
if [ -n "$3" ]; then patch -d "$dir" -p1 -s < "$(realpath "$3")"; fi
ln -s "$root/node_modules" "$dir/node_modules"
(cd "$dir" && "$root/node_modules/.bin/tsc" -p tsconfig.build.json)
echo "$dir/bin/gatehouse.js"

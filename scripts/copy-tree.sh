#!/bin/bash
# copy-tree.sh DIR: a copy of the source tree in DIR (without .git and test
# output), so builds of the module for several kernels coexist.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$1" && mkdir -p "$1"
tar -C "$top" --exclude=./tests/out --exclude=./.git -cf - . | tar -C "$1" -xf -

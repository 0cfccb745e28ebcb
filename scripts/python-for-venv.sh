#!/usr/bin/env bash
# Prints the Python the virtualenv is made from: the distribution's own /usr/bin/python3 when it is 3.11 or newer
# and can make a virtualenv, else the first python3 on the PATH.
#
# Why the distribution's first: Debian's interpreter is a static, profile-guided and link-time optimised build, and
# every page took about a quarter less CPU on it than on a default source build (a shared libpython without
# profile-guided optimisation: pyenv's, which may come first on the PATH). Measured in-process on the same
# machine: the pupil home 3.0 -> 2.25 ms, a lesson step 2.16 -> 1.83 ms, the bare route 0.57 -> 0.43 ms
# (benchmarks/README.md, "The interpreter").
set -euo pipefail
for candidate in /usr/bin/python3 "$(command -v python3 || true)"; do
  [ -n "$candidate" ] && [ -x "$candidate" ] || continue
  if "$candidate" -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "$candidate"
    exit 0
  fi
done
echo "python3 (3.11 or newer, with its venv module) is needed: apt-get install python3 python3-venv" >&2
exit 1

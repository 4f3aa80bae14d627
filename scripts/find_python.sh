#!/usr/bin/env bash
# Print a command that runs Python >= 3.12, or explain what to install and exit 1.
# pyenv shims for python3.12/python3.13 exist but only run with PYENV_VERSION set,
# so each candidate is tried for real, not just looked up on PATH.
set -u
works() { "$@" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
for candidate in python3.13 python3.12 python3; do
  if command -v "$candidate" >/dev/null 2>&1 && works "$candidate"; then
    echo "$candidate"; exit 0
  fi
done
if command -v pyenv >/dev/null 2>&1; then
  for version in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9]|[2-9][0-9])(\.|$)' | sort -rV); do
    minor=$(echo "$version" | cut -d. -f1,2)
    if PYENV_VERSION="$version" works "python$minor"; then
      echo "env PYENV_VERSION=$version python$minor"; exit 0
    fi
  done
fi
echo "civic needs Python 3.12 or newer, and none was found on PATH or in pyenv." >&2
echo "Install one, e.g. 'apt-get install python3.12 python3.12-venv' or 'pyenv install 3.12', then re-run." >&2
exit 1

#!/usr/bin/env bash
# Print the path of a Python 3.12+ interpreter, or explain what is missing and fail.
# Order: $PYTHON, python3.13/3.12/3.14 on PATH, python3 if new enough, then pyenv's builds.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
for name in python3.13 python3.12 python3.14 python3; do
  path=$(command -v "$name" 2>/dev/null) && candidates+=("$path")
done
for dir in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]* /root/.pyenv/versions/3.1[2-9]* /usr/local/bin /opt/homebrew/bin; do
  for path in "$dir"/bin/python3 "$dir"/python3.12 "$dir"/python3.13; do
    [ -x "$path" ] && candidates+=("$path")
  done
done
for path in "${candidates[@]}"; do
  if ok "$path"; then echo "$path"; exit 0; fi
done
echo "Steady needs Python 3.12 or newer, and none was found." >&2
echo "Install one (python.org, your package manager, or pyenv), or run: make PYTHON=/path/to/python3.12 ..." >&2
exit 1

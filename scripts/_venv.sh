# Sourced by scripts/serve and scripts/test: make .venv if missing and install the
# project into it (again only when pyproject.toml changes).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
EXTRAS="${1:-}"
if [ ! -x "$VENV/bin/python" ]; then
  echo "==> Creating a virtual environment in .venv"
  "${PYTHON:-python3}" -m venv "$VENV"
fi
SPEC="$ROOT"
[ -n "$EXTRAS" ] && SPEC="$ROOT[$EXTRAS]"
STAMP="$VENV/.installed${EXTRAS:+-$EXTRAS}"
WANT="$(cksum < "$ROOT/pyproject.toml")"
if [ "$(cat "$STAMP" 2>/dev/null || true)" != "$WANT" ]; then
  echo "==> Installing dependencies${EXTRAS:+ (with $EXTRAS extras)}"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$SPEC"
  echo "$WANT" > "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
cd "$ROOT"

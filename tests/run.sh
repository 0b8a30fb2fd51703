#!/usr/bin/env bash
# Installs everything the test suite needs (virtual environments for imagekitio 4.x, 5.x,
# 3.0.x and 2.x, for the runtime dependencies alone and for the lowest declared versions;
# Debian's Chromium, poppler-utils and nginx; the real-world source corpus) and runs it.
# Usage: bash tests/run.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_PROGRESS_BAR=off

venv() {  # venv DIR PIP-ARGS...: create DIR once, then install into it
  local dir=$1; shift
  [ -x "$dir/bin/python" ] || "$PY" -m venv "$dir"
  "$dir/bin/pip" install -q "$@"
}

echo "== main environment (.venv: every extra, imagekitio 4.x, test tools, moto's S3 server)"
venv .venv -e ".[test,all,heic,example]" "moto[server]==5.2.5"
echo "== imagekitio 5.x environment (.venv-ik5)"
# (not the "example" extra: it pins imagekitio 4.2.0 for the example project)
venv .venv-ik5 -e ".[test,server]" "djangorestframework>=3.15" "imagekitio==5.11.0"
echo "== imagekitio 2.x and 3.0.x environments (.venv-ik2, .venv-ik3)"
venv .venv-ik2 -e ".[test,server]" "djangorestframework>=3.15" "imagekitio==2.2.8"
# 3.0.x needs the urllib3 1.x of its time (its requests_toolbelt imports urllib3.contrib.appengine)
venv .venv-ik3 -e ".[test,server]" "djangorestframework>=3.15" "imagekitio==3.0.1" "urllib3<2"

echo "== runtime dependencies alone (.venv-core), for the wheel installed without extras"
core=$(mktemp)
.venv/bin/python - > "$core" <<'EOF'
import sys
toml = __import__("tomllib" if sys.version_info >= (3, 11) else "tomli")
with open("pyproject.toml", "rb") as f:
    print("\n".join(toml.load(f)["project"]["dependencies"]))
EOF
venv .venv-core -r "$core"
rm -f "$core"

echo "== the lowest versions pyproject.toml allows (.venv-lowest), for the smoke subset"
venv .venv-lowest uv
.venv-lowest/bin/uv pip install -q --python .venv-lowest/bin/python \
  --resolution lowest-direct -e ".[all,example]"
.venv-lowest/bin/uv pip install -q --python .venv-lowest/bin/python "pytest>=8" "jsonschema>=4"

# Debian's packages: Chromium for the browser test, poppler-utils to count and draw the
# pages it prints, nginx for the server tests.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/pdftoppm ] || missing+=(poppler-utils)
[ -x /usr/sbin/nginx ] || missing+=(nginx-light)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== Debian packages: ${missing[*]}"
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

echo "== real-world corpus (pinned PyPI source distributions, into .cache/realworld)"
.venv/bin/python tests/realworld/fetch.py

export UPLOAD_DIAGNOSTICS_IK5_PYTHON="$PWD/.venv-ik5/bin/python"
export UPLOAD_DIAGNOSTICS_IK2_PYTHON="$PWD/.venv-ik2/bin/python"
export UPLOAD_DIAGNOSTICS_IK3_PYTHON="$PWD/.venv-ik3/bin/python"
export UPLOAD_DIAGNOSTICS_CORE_PYTHON="$PWD/.venv-core/bin/python"
export UPLOAD_DIAGNOSTICS_LOWEST_PYTHON="$PWD/.venv-lowest/bin/python"
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}" no_proxy="127.0.0.1,localhost"
echo "== tests"
exec .venv/bin/python -m pytest "$@"

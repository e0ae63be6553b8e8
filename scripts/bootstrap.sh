#!/usr/bin/env bash
# Create .venv and install tradetrace with its test tools, on a fresh Debian/Ubuntu
# machine that has only python3 and make. System packages are installed with
# apt-get (as root, or with sudo) only when something is missing:
#   - python3-venv: Debian's python3 ships without venv/ensurepip;
#   - libicu-dev, pkg-config, g++, python3-dev: PyICU (used by normality, which
#     followthemoney and rigour need for transliteration) builds from source;
#   - a Java 17 runtime: the Spark engine (pyspark) and its parity tests;
#   - chromium and a CJK font: PDF reports and the browser tests (Playwright
#     drives Debian's Chromium; it never downloads a browser).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

need=()
"$PY" -c "import ensurepip, venv" 2>/dev/null || need+=(python3-venv)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
pkg-config --exists icu-i18n 2>/dev/null || need+=(libicu-dev)
command -v g++ >/dev/null 2>&1 || need+=(g++)
"$PY" -c "import sysconfig, os, sys; sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h')) else 1)" || need+=(python3-dev)
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || need+=(chromium)
[ -d /usr/share/fonts/truetype/wqy ] || need+=(fonts-wqy-zenhei)
java -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])' || need+=(openjdk-17-jre-headless)

if [ ${#need[@]} -gt 0 ]; then
  echo "bootstrap: installing system packages: ${need[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev,browser,spark]'
touch .venv/.installed
echo "bootstrap: .venv ready ($(.venv/bin/python --version))"

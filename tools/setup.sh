#!/usr/bin/env bash
# Bootstrap a fresh machine: a .venv with the package and its test/demo extras, and Graphviz's
# `dot`. In CI (CI=true) also PyTorch, Chromium and pdflatex, because there the tests that need them must run.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test,demo]'

want_torch=${MICROGR810_TORCH:-}
[ "${CI:-}" = "true" ] && want_torch=1
if [ -n "$want_torch" ] && ! .venv/bin/python -c 'import torch' 2>/dev/null; then
  # 2.13.0 is the CPU build this kind of machine keeps on disk; a looser pin pulls a CUDA build
  .venv/bin/python -m pip install -q 'torch==2.13.0'
fi

apt_pkgs=()
command -v dot >/dev/null 2>&1 || apt_pkgs+=(graphviz)
if [ "${CI:-}" = "true" ] && ! command -v chromium >/dev/null 2>&1; then apt_pkgs+=(chromium); fi
# a LaTeX engine, for the assignment sheets' PDF (without one they are written as .tex and .md only)
if [ "${CI:-}" = "true" ] && ! command -v pdflatex >/dev/null 2>&1; then apt_pkgs+=(texlive-latex-base); fi
if [ ${#apt_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_pkgs[@]}" >/dev/null
  else
    echo "note: missing ${apt_pkgs[*]}; drawings need Graphviz's dot binary:" >&2
    echo "  Debian/Ubuntu: sudo apt-get install graphviz   macOS: brew install graphviz" >&2
    echo "  conda: conda install -c conda-forge graphviz" >&2
  fi
fi
touch .venv/ready

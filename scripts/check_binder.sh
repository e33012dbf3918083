#!/usr/bin/env bash
# Binder check: does a fresh environment built ONLY from binder/requirements.txt, plus
# binder/postBuild, run every lesson? (On Binder nothing else is installed: repo2docker
# ignores pyproject.toml once binder/ exists.)
#
# The venv (.venv-binder/) is cached by a hash of binder/requirements.txt and the Python
# version, so only the first run, or a change of pins, pays for the install. postBuild
# runs every time (it installs the current vmlab). Executed copies go to a temporary
# directory; the committed lessons are never touched.
#
# BINDER_PYTHON picks the interpreter (default: python3.12 as in binder/runtime.txt when
# it works here, else python3).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=${BINDER_VENV:-.venv-binder}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
if [[ -z "${BINDER_PYTHON:-}" ]]; then
    if python3.12 -c 'import venv, ensurepip' >/dev/null 2>&1; then
        BINDER_PYTHON=python3.12
    else
        BINDER_PYTHON=python3
    fi
fi
py_version=$("$BINDER_PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
key=$( (cat binder/requirements.txt; echo "python $py_version") | sha256sum | cut -c1-16)

if [[ "$(cat "$venv/.requirements-key" 2>/dev/null || true)" != "$key" ]]; then
    echo "binder: building $venv with Python $py_version from binder/requirements.txt"
    rm -rf "$venv"
    "$BINDER_PYTHON" -m venv "$venv"
    "$venv/bin/python" -m pip install --disable-pip-version-check \
        -r binder/requirements.txt >"$scratch/install.log" 2>&1 || {
        tail -40 "$scratch/install.log"
        echo "binder: FAILED: pip could not install binder/requirements.txt"
        exit 1
    }
    echo "$key" >"$venv/.requirements-key"
else
    echo "binder: reusing $venv (Python $py_version, requirements unchanged)"
fi

# Keep this check away from the user's own Jupyter set-up (kernels, settings, site-packages).
export JUPYTER_CONFIG_DIR="$scratch/config" JUPYTER_DATA_DIR="$scratch/data"
export JUPYTER_RUNTIME_DIR="$scratch/runtime" PYTHONNOUSERSITE=1 MPLBACKEND=Agg
unset PYTHONPATH VIRTUAL_ENV

prefix=$(cd "$venv" && pwd)
echo "binder: running binder/postBuild"
PATH="$prefix/bin:$PATH" NB_PYTHON_PREFIX="$prefix" bash binder/postBuild >"$scratch/postBuild.log" 2>&1 || {
    cat "$scratch/postBuild.log"
    echo "binder: FAILED: binder/postBuild exited non-zero"
    exit 1
}

fail() {
    echo "binder: FAILED: $*"
    exit 1
}

"$venv/bin/python" -m pip check --disable-pip-version-check >"$scratch/pip-check.log" 2>&1 ||
    fail "pip check: $(cat "$scratch/pip-check.log")"
# From outside the repository, so that the installed copy is what gets imported.
(cd "$scratch" && "$prefix/bin/python" -) <<'EOF' || fail "vmlab is not installed as a package in $venv"
import pathlib, sys, vmlab
where = pathlib.Path(vmlab.__file__).resolve()
assert str(where).startswith(sys.prefix), f"vmlab imported from {where}, not from {sys.prefix}"
EOF
"$venv/bin/jupyter" labextension list >"$scratch/ext.log" 2>&1
grep -q "@jupyter-widgets/jupyterlab-manager.*enabled.*OK" "$scratch/ext.log" ||
    fail "the widgets extension is missing from JupyterLab: $(cat "$scratch/ext.log")"
grep -q '"fetchNews": "false"' "$prefix/share/jupyter/lab/settings/overrides.json" ||
    fail "postBuild did not write the JupyterLab settings overrides"

shopt -s nullglob
lessons=(notebooks/*.ipynb notebooks/zh/*.ipynb)
[[ ${#lessons[@]} -gt 0 ]] || fail "no lessons in notebooks/"
echo "binder: executing ${#lessons[@]} lesson(s) headless in $venv"
# The venv's python3 kernel runs each lesson with cwd = notebooks/ (where ../vmlab is not
# importable), so the lessons use the installed vmlab, as on Binder.
"$venv/bin/python" scripts/run_notebooks.py --output-dir "$scratch/executed" "${lessons[@]}" ||
    fail "a lesson did not run in the Binder environment"
echo "binder: every lesson ran in a fresh venv from binder/requirements.txt + postBuild"
echo "binder: ${#lessons[@]} passed"

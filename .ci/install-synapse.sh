#!/usr/bin/env bash
# Install a throwaway Synapse homeserver for the integration tests into .venv-synapse.
#
# Idempotent: does nothing if .venv-synapse/bin/python can already import synapse.
# Synapse lives in its own venv so its pins never clash with the project's dependencies;
# the test harness finds it at <repo>/.venv-synapse/bin/python (or $SYNAPSE_PYTHON).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${repo_root}/.venv-synapse"
py="${venv}/bin/python"
start=$(date +%s.%N)

elapsed() {
    python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" \
        "$start" "$(date +%s.%N)"
}

synapse_version() {
    "$py" -c "import importlib.metadata as m; print(m.version('matrix-synapse'))"
}

# Bytecode matters: uv does not compile by default, and with PYTHONDONTWRITEBYTECODE=1 every
# Synapse launch would recompile its sources (about 4 s instead of about 1 s).
compile_bytecode() {
    local site
    site=$("$py" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    if [[ ! -d "${site}/synapse/__pycache__" ]]; then
        echo "install-synapse: compiling bytecode"
        "$py" -m compileall -q -j 0 "$site" >/dev/null || true
    fi
}

if [[ -x "$py" ]] && "$py" -c "import synapse" 2>/dev/null; then
    compile_bytecode
    echo "install-synapse: matrix-synapse $(synapse_version) already in ${venv}" \
        "(checked in $(elapsed) s)"
    exit 0
fi

if [[ ! -x "$py" ]]; then
    echo "install-synapse: creating ${venv}"
    python3 -m venv "$venv"
fi

if command -v uv >/dev/null 2>&1; then
    echo "install-synapse: uv pip install matrix-synapse"
    uv pip install --quiet --compile-bytecode --python "$py" matrix-synapse
else
    echo "install-synapse: pip install matrix-synapse"
    "$py" -m pip install --quiet matrix-synapse
fi

compile_bytecode
echo "install-synapse: matrix-synapse $(synapse_version) installed in ${venv} in $(elapsed) s"

#!/usr/bin/env python3
"""Parvis developer entry point; needs only Python 3.11+ (standard library).

python3 dev.py shell --as alice     install if needed, then chat with Parvis in the terminal
python3 dev.py test                 install if needed, then run the whole test suite
python3 dev.py run                  run the configured platform adapters
python3 dev.py install              only install (.venv from uv.lock, Synapse for tests)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
TOOLS = ROOT / ".tools"


def _run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    done = subprocess.run([str(a) for a in args], cwd=ROOT, env=env)
    if done.returncode:
        sys.exit(done.returncode)


def uv() -> Path:
    """A uv binary: the one on PATH, else one installed in .tools/."""
    found = shutil.which("uv")
    if found:
        return Path(found)
    binary = TOOLS / "bin" / "uv"
    if not binary.exists():
        print("dev.py: installing uv into .tools/ …", flush=True)
        _run(sys.executable, "-m", "venv", TOOLS)
        _run(TOOLS / "bin" / "python", "-m", "pip", "install", "-q", "uv")
    return binary


def install(dev: bool = True) -> None:
    """Create .venv exactly as uv.lock says."""
    started = time.monotonic()
    args = [uv(), "sync", "--frozen", "--compile-bytecode"] + ([] if dev else ["--no-dev"])
    _run(*args)
    print(f"dev.py: environment ready in {time.monotonic() - started:.1f} s", flush=True)


def venv_bin(name: str) -> Path:
    """A program of the project's virtual environment."""
    return VENV / "bin" / name


def start_postgres() -> None:
    """Start the machine's PostgreSQL cluster if it is down (tests need it)."""
    if (
        shutil.which("pg_isready")
        and subprocess.run(
            ["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"], check=False
        ).returncode
        == 0
    ):
        return
    if Path("/etc/postgresql").is_dir():
        for version in sorted(os.listdir("/etc/postgresql")):
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
                check=False,
            )
        for _ in range(50):
            if (
                subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"], check=False).returncode
                == 0
            ):
                return
            time.sleep(0.2)
    print("dev.py: PostgreSQL is not reachable on 127.0.0.1:5432 (set TEST_PG_URL)", flush=True)


def test(extra: list[str]) -> None:
    """Lint, type-check and run every test on SQLite and PostgreSQL."""
    install()
    env = dict(os.environ, PATH=f"{uv().parent}{os.pathsep}{os.environ.get('PATH', '')}")
    _run(ROOT / ".ci" / "install-synapse.sh", env=env)
    start_postgres()
    _run(venv_bin("ruff"), "check", "bot", "tests", "benchmarks", "alembic", "dev.py")
    _run(venv_bin("ruff"), "format", "--check", "bot", "tests", "benchmarks", "alembic", "dev.py")
    _run(venv_bin("mypy"), "bot")
    _run(venv_bin("python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra)


def main(argv: list[str]) -> None:
    """Dispatch the sub-command."""
    command, rest = (argv[0], argv[1:]) if argv else ("shell", [])
    if command == "install":
        install()
        _run(ROOT / ".ci" / "install-synapse.sh")
    elif command == "test":
        test(rest)
    elif command in {"shell", "run", "db", "admin", "tally", "example"}:
        install(dev=False) if not venv_bin("parvis").exists() else None
        os.execv(venv_bin("parvis"), ["parvis", command, *rest])
    else:
        print(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv[1:])

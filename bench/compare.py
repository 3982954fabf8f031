"""``--compare``: the same operations against ``pottery==3.0.1`` from PyPI.

The bench installs that version once into its own virtualenv
(``.venv-pottery301`` at the repository root) and runs :mod:`bench.worker`
with that virtualenv's Python, in a scratch directory that holds only links
to ``bench/`` and ``tests/servers.py``: the repository root is not on its
``sys.path``, so ``import pottery`` there is 3.0.1 and never ours.  The worker
measures against the servers this process started and hands its results
back as JSON.  This is measurement only: nothing reads pottery 3.0.1's code.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

__all__ = ['COMPARED_VERSION', 'Isolated', 'isolated', 'run_compared', 'venv_python']

COMPARED_VERSION = '3.0.1'
ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / '.venv-pottery301'


class Isolated(NamedTuple):
    """An interpreter, a working directory and an environment for a subprocess."""

    python: str
    cwd: str
    env: dict[str, str]


def venv_python(*, log: Any = print) -> Path:
    """The Python of the pottery-3.0.1 virtualenv, creating it on first use."""
    python = VENV / 'bin' / 'python'
    stamp = VENV / '.installed'
    if stamp.exists() and python.exists():
        return python
    log(f'Creating {VENV.name} with pottery=={COMPARED_VERSION} from PyPI (once)...')
    subprocess.run([sys.executable, '-m', 'venv', '--clear', str(VENV)], check=True)
    pip = [str(python), '-m', 'pip', 'install', '-q', '--disable-pip-version-check']
    subprocess.run([*pip, f'pottery=={COMPARED_VERSION}'], check=True)
    stamp.write_text(f'pottery=={COMPARED_VERSION}\n')
    return python


@contextlib.contextmanager
def isolated(python: Path | None = None, *, log: Any = print) -> Iterator[Isolated]:
    """Where to run ``python -m bench.<module>`` so that ``import pottery`` is 3.0.1.

    A scratch directory that holds only links to ``bench/`` and
    ``tests/servers.py``, never the repository root (which holds our
    ``pottery/``), as the working directory and the only ``PYTHONPATH``.
    ``python`` overrides the interpreter (the tests run with ours).
    """
    python = python or venv_python(log=log)
    with tempfile.TemporaryDirectory(prefix='pottery-bench-') as scratch:
        directory = Path(scratch)
        (directory / 'bench').symlink_to(ROOT / 'bench', target_is_directory=True)
        (directory / 'tests').mkdir()
        (directory / 'tests' / '__init__.py').write_text('')
        (directory / 'tests' / 'servers.py').symlink_to(ROOT / 'tests' / 'servers.py')
        env = {key: value for key, value in os.environ.items() if key not in {'PYTHONPATH', 'PYTHONHOME'}}
        env['PYTHONPATH'] = str(directory)
        env['PYTHONDONTWRITEBYTECODE'] = '1'  # keep bench/ free of 3.0.1's bytecode
        yield Isolated(str(python), str(directory), env)


def run_compared(config: dict[str, Any], *, log: Any = print, python: Path | None = None) -> dict[str, Any]:
    """Run the worker under pottery 3.0.1; return its ``{'meta': ..., 'results': [...]}``.

    ``python`` overrides the interpreter (the tests run the worker with ours).
    """
    with isolated(python, log=log) as where:
        out = Path(where.cwd) / 'results.json'
        subprocess.run(
            [where.python, '-m', 'bench.worker', str(out)],
            input=json.dumps(config).encode(),
            cwd=where.cwd,
            env=where.env,
            check=True,
        )
        return dict(json.loads(out.read_text()))

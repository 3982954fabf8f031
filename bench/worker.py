"""The pottery side of every operation, in a subprocess under another pottery.

``python -m bench.worker OUT.json`` reads its configuration (server ports,
operations, sizes, settings) as JSON on stdin, measures the pottery side of
each operation with whatever ``pottery`` this interpreter imports, and writes
``{'meta': ..., 'results': [...]}`` to OUT.json.  It times raw redis-py
interleaved too, as the main run does, so that the two runs' ratios to the
same raw code can be compared even if the machine's load changed between
them.  :mod:`bench.compare` runs
it with the pottery-3.0.1 virtualenv and a ``sys.path`` without our package.
"""

from __future__ import annotations

import importlib.metadata
import json
import sys
import warnings
from pathlib import Path
from typing import Any

import redis

from bench.harness import Settings, client, run_ops
from bench.ops import Env, select


def main(argv: list[str]) -> int:
    config: dict[str, Any] = json.load(sys.stdin)
    warnings.simplefilter('ignore')  # 3.0.1 warns about "inefficient" calls we mean to time
    import pottery  # noqa: PLC0415  # whichever pottery this interpreter has: imported after the filter

    # the distribution's version: 3.0.1 has no pottery.__version__
    version = importlib.metadata.version('pottery')
    expected = config.get('expect_version')
    inside = Path(pottery.__file__ or '').resolve().is_relative_to(Path(sys.prefix).resolve())
    if expected and (version != expected or not inside):
        raise SystemExit(f'bench.worker: imported pottery {version} from {pottery.__file__}, not {expected}')
    standalone = client(config['port'])
    masters = [client(port, socket_timeout=2) for port in config['master_ports']]
    env = Env(redis=standalone, masters=masters, pottery=pottery)
    settings = Settings(**{**config['settings'], 'sizes': tuple(config['settings']['sizes'])})

    def flush() -> None:
        standalone.flushall()

    def progress(line: str) -> None:
        print(f'  [pottery {version}] {line}', file=sys.stderr, flush=True)

    results = run_ops(env, select(config['ops']), settings, flush=flush, progress=progress)
    meta: dict[str, Any] = {'pottery': version, 'redis_py': redis.__version__, 'python': sys.version.split()[0]}
    Path(argv[0]).write_text(json.dumps({'meta': meta, 'results': results}))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

"""``python -m bench``: run the benchmark and print the table and the targets.

Examples::

    python -m bench --quick                 # make bench: every op, short budget
    python -m bench                         # make bench-full
    python -m bench --quick --compare       # make bench-compare: also pottery 3.0.1
    python -m bench --ops 'dict.*' set.add --sizes 1000
    python -m bench --quick --compare --docs   # also rewrite docs/benchmarks.md + chart
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shlex
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import redis

import pottery
import pottery.asyncio  # the asyncio twins' classes: env.pottery.asyncio
from bench import contention, report
from bench.compare import COMPARED_VERSION, Isolated, isolated, run_compared
from bench.harness import Settings, async_client, client, run_ops, servers
from bench.ops import Env, select

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / 'bench' / 'results' / 'latest.json'
DEFAULT_DOCS = ROOT / 'docs' / 'benchmarks.md'


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog='python -m bench', description=__doc__.split('\n')[0] if __doc__ else None)
    parser.add_argument('--quick', action='store_true', help='short time budget per operation (make bench)')
    parser.add_argument('--compare', action='store_true', help=f'also measure pottery {COMPARED_VERSION} from PyPI')
    parser.add_argument('--sizes', type=int, nargs='+', metavar='N', help='sizes for bulk ops (default 10 1000 10000)')
    parser.add_argument('--ops', nargs='+', default=[], metavar='PATTERN', help="glob or family, e.g. 'dict.*' set")
    parser.add_argument('--budget', type=float, help='seconds of timed calls per side per (op, size)')
    parser.add_argument('--reps', type=int, help='exactly this many timed calls per side (overrides --budget)')
    parser.add_argument('--contention-seconds', type=float, help='seconds per contention round (quick 3, else 5)')
    parser.add_argument('--contention-rounds', type=int, help='rounds per contention scenario (quick 1, else 3)')
    parser.add_argument('--out', type=Path, default=DEFAULT_OUT, help='JSON results file (default %(default)s)')
    parser.add_argument(
        '--docs',
        type=Path,
        nargs='?',
        const=DEFAULT_DOCS,
        help='rewrite this page (default docs/benchmarks.md) + chart',
    )
    parser.add_argument('-q', '--silent', action='store_true', help='no progress lines')
    return parser.parse_args(argv)


def settings_from(args: argparse.Namespace) -> Settings:
    settings = Settings.quick() if args.quick else Settings()
    changes: dict[str, Any] = {}
    if args.sizes:
        changes['sizes'] = tuple(args.sizes)
    if args.budget is not None:
        changes['budget'] = args.budget
    if args.reps is not None:
        changes.update(min_reps=args.reps, max_reps=args.reps)
    if args.contention_seconds is not None:
        changes['contention_seconds'] = args.contention_seconds
    if args.contention_rounds is not None:
        changes['contention_rounds'] = args.contention_rounds
    return Settings(**{**settings.__dict__, **changes})


@contextlib.contextmanager
def _event_loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    try:
        yield loop
    finally:
        loop.close()


@contextlib.contextmanager
def _restored(name: str, value: str | None) -> Iterator[None]:
    try:
        yield
    finally:
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _contention(
    scenarios: list[contention.Scenario],
    masters: list[Any],
    settings: Settings,
    *,
    compare: bool,
    say: Any,
) -> list[dict[str, Any]]:
    """Run each scenario's rounds, ours and pottery 3.0.1's alternating; add them up."""
    results: list[dict[str, Any]] = []
    if not scenarios:
        return results
    with contextlib.ExitStack() as stack:
        theirs: Isolated | None = None
        if compare:
            try:
                theirs = stack.enter_context(isolated(log=say))
            except (OSError, subprocess.CalledProcessError) as error:
                print(f'pottery {COMPARED_VERSION} could not be set up ({error}): no comparison', file=sys.stderr)
        sides: list[tuple[str, Isolated | None]] = [('ours', None)] + ([('theirs', theirs)] if theirs else [])
        for scenario in scenarios:
            rounds: dict[str, list[dict[str, Any]]] = {side: [] for side, _ in sides}
            for number in range(settings.contention_rounds):
                # alternate which side goes first, so that neither always
                # meets the other's leftover load
                for side, where in sides[:: 1 if number % 2 == 0 else -1]:
                    rounds[side].append(
                        contention.run_scenario(scenario, masters, seconds=settings.contention_seconds, where=where)
                    )
            combined = {side: contention.combine(each) for side, each in rounds.items()}
            result = {'op': scenario.name, 'clients': scenario.clients, **combined}
            say(report.contention_line(result))
            results.append(result)
    return results


def _publish(data: dict[str, Any], args: argparse.Namespace, elapsed: float) -> None:
    """Write the JSON, print the tables and targets, rewrite the docs page when asked."""
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=1) + '\n')
    print()
    print(report.table(data))
    print()
    print(report.targets(data))
    if data['contention']:
        print()
        print(report.contention_table(data))
        print()
        print(report.contention_targets(data))
    print(f'\nResults: {args.out}  ({elapsed:.0f} s)')
    if args.docs is not None:
        args.docs.parent.mkdir(parents=True, exist_ok=True)
        chart = report.chart(data, args.docs.with_suffix('.png'))
        contention_chart = report.contention_chart(data, args.docs.with_name(args.docs.stem + '-contention.png'))
        if chart is None:
            print('matplotlib is missing (pip install -e .[bench]): no chart')
        args.docs.write_text(
            report.page(
                data,
                chart.name if chart else None,
                contention_chart_name=contention_chart.name if contention_chart else None,
            )
        )
        print(
            f'Docs: {args.docs}'
            + (f' and {chart}' if chart else '')
            + (f', {contention_chart}' if contention_chart else '')
        )


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    settings = settings_from(args)
    ops = select(args.ops)
    scenarios = contention.select(args.ops)
    if not ops and not scenarios:
        print(f'no operation or contention scenario matches {args.ops}', file=sys.stderr)
        return 2
    command = 'python -m bench ' + ' '.join(shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    warnings.simplefilter('ignore')

    def say(line: str) -> None:
        if not args.silent:
            print(line, flush=True)

    started = time.monotonic()
    saved_url = os.environ.get('REDIS_URL')
    with servers() as (standalone_server, master_servers), _restored('REDIS_URL', saved_url), _event_loop() as loop:
        # nothing may fall back to a server the bench did not start
        os.environ['REDIS_URL'] = standalone_server.url
        standalone = client(standalone_server.port)
        masters = [client(server.port, socket_timeout=2) for server in master_servers]
        env = Env(
            redis=standalone,
            masters=masters,
            pottery=pottery,
            loop=loop,
            aio=async_client(standalone_server.port),
            aio_masters=[async_client(server.port, socket_timeout=2) for server in master_servers],
        )
        say(f'pottery {pottery.__version__} vs raw redis-py {redis.__version__}:')
        results = run_ops(env, ops, settings, flush=standalone.flushall, progress=say)
        compared: dict[str, Any] | None = None
        if args.compare and ops:
            config = {
                'port': standalone_server.port,
                'master_ports': [server.port for server in master_servers],
                # only what we measured (3.0.1 has no pottery.asyncio, and its
                # AIORedlock takes seconds): there is nothing to compare the rest with
                'ops': [op.name for op in ops if op.available(pottery) and not op.needs.startswith('asyncio.')],
                'settings': {**settings.__dict__, 'sizes': list(settings.sizes)},
                'expect_version': COMPARED_VERSION,
            }
            say(f'pottery {COMPARED_VERSION} (subprocess):')
            try:
                compared = run_compared(config, log=say)
            except (OSError, subprocess.CalledProcessError) as error:
                # keep our own results: report the comparison as missing
                print(f'pottery {COMPARED_VERSION} could not be measured ({error}): no comparison', file=sys.stderr)
        contended = _contention(scenarios, master_servers, settings, compare=args.compare, say=say)
        machine = report.machine(standalone)
        for aio in (env.aio, *env.aio_masters):
            loop.run_until_complete(aio.aclose())
    elapsed = time.monotonic() - started

    data = report.assemble(
        results,
        compared,
        pottery=pottery.__version__,
        contention=contended,
        machine=machine,
        command=command,
        settings=settings,
        elapsed=elapsed,
    )
    _publish(data, args, elapsed)
    return 0


if __name__ == '__main__':
    sys.exit(main())

"""The benchmark harness runs end to end on one tiny size, so that it cannot rot.

Not a timed test: it checks that every operation pottery has runs on both
sides with sane round-trip counts, that a missing class is reported as
``n/a``, and that the JSON, the table, the targets and the docs page are made.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pottery
from bench import report
from bench.__main__ import main
from bench.compare import run_compared
from bench.harness import Settings, client, measure, run_ops
from bench.ops import OPS, Env, Op, Side, select
from tests.servers import RedisServer


def test_the_bench_runs_every_op_on_a_tiny_size(tmp_path: Path) -> None:
    out, docs = tmp_path / 'latest.json', tmp_path / 'benchmarks.md'
    assert main(['--sizes', '10', '--reps', '3', '--silent', '--out', str(out), '--docs', str(docs)]) == 0
    data = json.loads(out.read_text())
    results = data['results']
    assert {r['op'] for r in results} == {op.name for op in OPS}
    for result in results:
        assert result['status'] in {'ok', 'n/a'}, result.get('traceback')
        available = next(op for op in OPS if op.name == result['op']).available(pottery)
        assert (result['status'] == 'ok') == available
        if result['status'] == 'ok':
            assert result['pottery']['reps'] == result['raw']['reps'] == 3
            if result['kind'] == 'cached':  # answered by redis-py's client-side cache
                assert result['pottery']['round_trips'] == result['raw']['round_trips'] == 0
            else:
                assert result['pottery']['round_trips'] >= 1
                assert result['raw']['round_trips'] >= 1
            assert result['x_raw'] > 0
    # RedisDict is always there: its single-element ops are one round trip
    get = next(r for r in results if r['op'] == 'dict.get')
    assert get['pottery']['round_trips'] == get['raw']['round_trips'] == 1
    assert data['meta']['machine']['redis_server']
    page = docs.read_text()
    assert '| op | n | round trips | median | × raw | × pottery-3.0.1 |' in page  # noqa: RUF001  # the issue's header
    assert '| dict.get |' in page
    assert 'python -m bench --sizes 10' in page


def test_a_missing_class_is_reported_not_measured() -> None:
    def build(env: Env, n: int) -> Side:
        raise AssertionError('never built')

    missing = Op('ghost.get', 'single', 'NoSuchContainer', build, build)
    results = run_ops(Env(redis=None, masters=[], pottery=pottery), [missing], Settings(sizes=(10,)))
    assert results == [{'op': 'ghost.get', 'n': None, 'kind': 'single', 'headline': False, 'status': 'n/a'}]
    data: dict[str, Any] = {'meta': {'compared': None}, 'results': [{**results[0], 'x_raw': None, 'x_301': None}]}
    assert '| ghost.get |  | n/a | | | |' in report.table(data)
    assert 'ghost.get' in report.targets(data)


def test_an_op_that_raises_is_reported_and_the_bench_goes_on() -> None:
    def broken(env: Env, n: int) -> Side:
        return Side(lambda: 1 / 0)

    server = RedisServer().start()
    try:
        env = Env(redis=client(server.port), masters=[], pottery=pottery)
        ops = [Op('broken.op', 'single', 'RedisDict', broken, broken), *select(['dict.len'])]
        results = run_ops(env, ops, Settings(min_reps=2, max_reps=2))
    finally:
        server.stop()
    assert results[0]['status'] == 'error'
    assert 'ZeroDivisionError' in results[0]['error']
    assert results[1]['status'] == 'ok'


def test_measure_interleaves_and_counts_round_trips() -> None:
    calls: list[str] = []
    sides = {'a': Side(lambda: calls.append('a')), 'b': Side(lambda: calls.append('b'))}
    result = measure(sides, Settings(min_reps=4, max_reps=4))
    assert result['a']['reps'] == result['b']['reps'] == 4
    assert result['a']['round_trips'] == 0
    assert calls[-8:] == ['a', 'b', 'b', 'a', 'a', 'b', 'b', 'a']


def test_select_by_family_and_glob() -> None:
    assert {op.name for op in select(['dict'])} == {op.name for op in OPS if op.name.startswith('dict.')}
    assert [op.name for op in select(['nextid.5*'])] == ['nextid.5_masters']
    assert select([]) == OPS


def test_the_comparison_worker_runs_in_a_scratch_path() -> None:
    # The worker as --compare runs it, but with our own interpreter (and so
    # our pottery) instead of the pottery-3.0.1 virtualenv.
    server, masters = RedisServer().start(), [RedisServer().start()]
    try:
        config = {
            'port': server.port,
            'master_ports': [m.port for m in masters],
            'ops': ['dict.len', 'nextid.1*'],
            'settings': {'budget': 0.0, 'min_reps': 3, 'max_reps': 3, 'max_seconds': 5.0, 'sizes': [10]},
            'expect_version': None,
        }
        compared = run_compared(config, python=Path(sys.executable), log=lambda line: None)
    finally:
        server.stop()
        masters[0].stop()
    assert compared['meta']['pottery'] == pottery.__version__
    by_op = {r['op']: r for r in compared['results']}
    assert by_op['dict.len']['status'] == 'ok'
    assert by_op['dict.len']['pottery']['round_trips'] == by_op['dict.len']['raw']['round_trips'] == 1
    assert by_op['dict.len']['ratio'] > 0

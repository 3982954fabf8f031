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

import pytest

import pottery
from bench import contention, report
from bench.__main__ import main
from bench.compare import run_compared
from bench.contention import Scenario
from bench.harness import Settings, client, measure, run_ops
from bench.ops import OPS, Env, Op, Side, select
from tests.servers import RedisServer


def test_the_bench_runs_every_op_on_a_tiny_size(tmp_path: Path) -> None:
    out, docs = tmp_path / 'latest.json', tmp_path / 'benchmarks.md'
    families = sorted({op.name.split('.')[0] for op in OPS})  # every op, and two contention scenarios
    scenarios = ['contention.redlock.1x4', 'contention.nextid.1x64']
    argv = ['--sizes', '10', '--reps', '3', '--ops', *families, *scenarios, '--contention-seconds', '0.3']
    assert main([*argv, '--silent', '--out', str(out), '--docs', str(docs)]) == 0
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
    assert [r['op'] for r in data['contention']] == scenarios
    lock, ids = (r['ours'] for r in data['contention'])
    assert lock['overlaps'] == ids['duplicates'] == ids['not_increasing'] == 0
    assert '## Under contention' in page
    assert '| redlock.1x4 | 4 |' in page
    assert 'Safety: no overlapping critical sections' in page


def test_a_contention_round_runs_real_processes_against_real_masters(master_servers: list[RedisServer]) -> None:
    lock = contention.run_scenario(Scenario('t.redlock.2x2', 'redlock', 2, 2), master_servers, seconds=0.5)
    ids = contention.run_scenario(Scenario('t.nextid.2x2', 'nextid', 2, 2, paused=1), master_servers, seconds=0.5)
    for server in master_servers:  # the paused master was resumed
        with server.client(socket_timeout=5) as master:
            assert master.ping()
    assert lock['sections'] >= 1
    assert lock['calls'] == lock['sections'] + lock['timeouts'] + lock['errors']
    assert lock['overlaps'] == lock['stuck'] == 0
    assert ids['calls'] == ids['ids'] + ids['errors']
    assert ids['duplicates'] == ids['not_increasing'] == ids['stuck'] == 0
    two = contention.combine([lock, lock])
    assert two['rounds'] == 2
    assert two['sections'] == 2 * lock['sections']
    assert two['per_second'] == pytest.approx(lock['sections'] / lock['seconds'])
    assert two['timeout_share'] == (lock['timeouts'] / lock['calls'])


def test_count_overlaps() -> None:
    assert contention.count_overlaps([]) == 0
    assert contention.count_overlaps([(1.0, 2.0), (0.0, 1.0), (2.0, 3.0)]) == 0  # back to back
    assert contention.count_overlaps([(0.0, 2.0), (1.0, 3.0)]) == 1
    assert contention.count_overlaps([[0.0, 10.0], [1.0, 2.0], [3.0, 4.0]]) == 2  # inside a long one


def _figures(per_second: float, **counts: Any) -> dict[str, Any]:
    return {'per_second': per_second, 'errors': 0, 'error_types': [], 'stuck': 0, 'slowest': 0.5, **counts}


def test_contention_targets_read_the_issue_s_thresholds() -> None:
    lock = {'timeout_share': 0.0, 'timeouts': 0, 'starved': 0, 'overlaps': 0, 'sections': 1}
    data = {
        'contention': [
            {'op': 'contention.redlock.1x1', 'clients': 1, 'ours': _figures(200, **lock)},
            {
                'op': 'contention.redlock.1x64',
                'clients': 64,
                'ours': _figures(90, **lock),
            },  # under half of one thread's
            {
                'op': 'contention.redlock.8x2',
                'clients': 16,
                'ours': _figures(300, **lock),
                'theirs': _figures(100, **{**lock, 'timeout_share': 0.05}),
            },
            {
                'op': 'contention.nextid.8x2',
                'clients': 16,
                'ours': _figures(400, ids=1, duplicates=1, not_increasing=0),
                'theirs': _figures(100, ids=1, duplicates=0, not_increasing=0),
            },
        ]
    }
    targets = report.contention_targets(data).splitlines()
    assert targets[0].startswith('- ✓ Redlock, 8 processes x 2 threads: 3.0')
    assert any(line.startswith('- ✗ Redlock, 64 threads in one process') for line in targets)
    assert any(line.startswith('- ✗ NextId, 8 processes x 2 threads: 4.0') for line in targets)
    assert (
        targets[-1] == "- ✗ Safety: no overlapping critical sections, no duplicate ID, every client's IDs "
        'increasing -- broken in nextid.8x2: 1 duplicate IDs.'
    )
    table = report.contention_table(data)
    assert '| redlock.8x2 | 16 | 300 critical sections | 0.0% | 0 | 0.50 s | ✓ none |' in table
    assert '| nextid.8x2 | 16 | 400 IDs |  | 0 | 0.50 s | 1 duplicate IDs |' in table


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

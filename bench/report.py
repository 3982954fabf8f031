# ruff: noqa: RUF001  # the table and the issue write ratios with the multiplication sign
"""Reporting: the results JSON, the markdown table, the targets, the chart, the docs page.

Ratios, as in the table:

* ``x raw`` = pottery's time / raw redis-py's, the median over pairs of calls
  made one after the other (lower is better; 1.00 is as fast as the
  hand-written redis-py code);
* ``x pottery-3.0.1`` = how many times faster we are than pottery 3.0.1
  (higher is better; below 1 we are slower): pottery 3.0.1's ratio to raw
  redis-py in its run divided by ours in our run, so that a change of load
  between the two runs cancels.
"""

from __future__ import annotations

import datetime
import importlib
import json
import os
import platform
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import redis
from redis.utils import HIREDIS_AVAILABLE

from bench.harness import Settings
from bench.ops import CONCURRENCY

__all__ = [
    'assemble',
    'chart',
    'contention_chart',
    'contention_line',
    'contention_table',
    'contention_targets',
    'machine',
    'page',
    'table',
    'targets',
]

COMPARED = 'pottery-3.0.1'
# 'concurrent': many single-element operations at once (asyncio), held to the single target
RAW_LIMITS = {'single': 1.2, 'bulk': 1.5, 'fanout': 1.3, 'concurrent': 1.2}
HEADLINE_SPEEDUP, HEADLINE_MIN_N = 10.0, 1_000
# Two runs of the very same commands differ by a few percent: a speed-up
# above this counts as "not slower", and is listed as on par below 1.
PAR = 0.95
SPEC_IDS_PER_SECOND = 5_000


def machine(standalone: Any) -> dict[str, Any]:
    """Where the bench ran: CPU, cores, OS, Python, redis-server and redis-py versions."""
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as file:
            for line in file:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        'cpu': cpu,
        'cores': os.cpu_count(),
        'os': f'{platform.system()} {platform.release()}',
        'python': platform.python_version(),
        'redis_server': standalone.info('server')['redis_version'],
        'redis_py': redis.__version__,
        'hiredis': bool(HIREDIS_AVAILABLE),
    }


def assemble(
    results: list[dict[str, Any]],
    compared: dict[str, Any] | None,
    *,
    pottery: str,
    contention: list[dict[str, Any]] | None = None,
    machine: dict[str, Any],
    command: str,
    settings: Settings,
    elapsed: float,
) -> dict[str, Any]:
    """Join our results with pottery 3.0.1's and compute the ratios."""
    theirs = {(r['op'], r['n']): r for r in compared['results']} if compared else {}
    for result in results:
        result['x_raw'] = None
        result['x_301'] = None
        if result['status'] == 'ok':
            result['x_raw'] = result['ratio']
        other = theirs.get((result['op'], result['n']))
        if other is None:
            continue
        result['pottery_301'] = other.get('pottery') if other['status'] == 'ok' else None
        result['status_301'] = other['status']
        if other['status'] == 'error':
            result['error_301'] = other.get('error')
        if result['status'] == 'ok' and other['status'] == 'ok':
            # Both runs time the same raw redis-py code interleaved with their
            # pottery: dividing their ratios to it cancels any change in the
            # machine's load between the two runs.  The direct ratio of the
            # medians is kept too.
            result['x_301'] = other['ratio'] / result['ratio']
            result['x_301_direct'] = other['pottery']['median'] / result['pottery']['median']
    return {
        'meta': {
            'command': command,
            'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
            'elapsed_s': round(elapsed, 1),
            'pottery': pottery,
            'settings': {**settings.__dict__, 'sizes': list(settings.sizes)},
            'machine': machine,
            'compared': compared['meta'] if compared else None,
        },
        'results': results,
        'contention': contention or [],
    }


# --- formatting ------------------------------------------------------------------


def duration(seconds: float) -> str:
    if seconds < 1e-3:
        return f'{seconds * 1e6:.1f} µs'
    if seconds < 1:
        return f'{seconds * 1e3:.2f} ms'
    return f'{seconds:.2f} s'


def _size(n: int | None) -> str:
    return '' if n is None else f'{n:,}'


def _targeted(result: dict[str, Any]) -> bool:
    # reads from the client's cache are reported only (no round trip to compare)
    return bool(result['kind'] != 'cached')


def _raw_ok(result: dict[str, Any]) -> bool:
    return not _targeted(result) or bool(result['x_raw'] <= RAW_LIMITS[result['kind']])


def _trips_ok(result: dict[str, Any]) -> bool:
    # raw redis-py is written in the fewest round trips: match it
    return bool(result['pottery']['round_trips'] <= result['raw']['round_trips'])


def _headline(result: dict[str, Any]) -> bool:
    return bool(result['headline'] and result['n'] is not None and result['n'] >= HEADLINE_MIN_N)


def _301_ok(result: dict[str, Any]) -> bool:
    floor = HEADLINE_SPEEDUP if _headline(result) else PAR
    return bool(result['x_301'] >= floor)


def table(data: dict[str, Any]) -> str:
    """The markdown table: op | n | round trips | median | x raw | x pottery-3.0.1.

    A ⚠ marks a number that misses its target (see :func:`targets`).
    """
    compared = data['meta']['compared'] is not None
    lines = [
        f'| op | n | round trips | median | × raw | × {COMPARED} |',
        '| --- | ---: | ---: | ---: | ---: | ---: |',
    ]
    for r in data['results']:
        if r['status'] != 'ok':
            why = 'n/a' if r['status'] == 'n/a' else 'error'
            lines.append(f'| {r["op"]} | {_size(r["n"])} | {why} | | | |')
            continue
        ours, raw = r['pottery']['round_trips'], r['raw']['round_trips']
        trips = f'{ours:,}' if ours == raw else f'{ours:,} (raw {raw:,})'
        if not _trips_ok(r):
            trips += ' ⚠'
        x_raw = f'{r["x_raw"]:.2f}' + ('' if _raw_ok(r) else ' ⚠')
        if r['x_301'] is not None:
            theirs = r['pottery_301']['round_trips']
            x_301 = f'{r["x_301"]:.2f}' if r['x_301'] < 2 else f'{r["x_301"]:.1f}'
            x_301 += '' if _301_ok(r) else ' ⚠'
            if theirs != ours:
                x_301 += f' ({theirs:,} rt)'
        elif compared:
            x_301 = r.get('status_301', 'n/a')
        else:
            x_301 = ''
        lines.append(
            f'| {r["op"]} | {_size(r["n"])} | {trips} | {duration(r["pottery"]["median"])} | {x_raw} | {x_301} |'
        )
    return '\n'.join(lines)


def _names(results: Iterable[dict[str, Any]], value: str) -> str:
    parts = []
    for r in results:
        size = f' n={r["n"]:,}' if r['n'] is not None else ''
        if value == 'x_raw':
            parts.append(f'{r["op"]}{size} {r["x_raw"]:.2f}×')
        elif value == 'x_301':
            parts.append(f'{r["op"]}{size} {r["x_301"]:.1f}×')
        elif value == 'x_301_ceiling':
            # how much faster than 3.0.1 raw redis-py itself is: the ceiling
            ceiling = r['x_301'] * r['x_raw']
            parts.append(f'{r["op"]}{size} {r["x_301"]:.1f}× (raw redis-py: {ceiling:.1f}×)')
        else:
            parts.append(f'{r["op"]}{size} {r["pottery"]["round_trips"]} vs {r["raw"]["round_trips"]}')
    return ', '.join(parts)


def _untargeted(ok: list[dict[str, Any]]) -> list[str]:
    lines = []
    for kind, title in (
        (
            'cached',
            "Reads answered by redis-py's client-side cache (no round trip, no target), "
            'against raw redis-py on the same caching client',
        ),
    ):
        rows = [r for r in ok if r['kind'] == kind and not _targeted(r)]
        if rows:
            lines.append(f'- {title}: {_names(rows, "x_raw")} of raw.')
    return lines


def _target_line(title: str, rows: list[dict[str, Any]]) -> str:
    if not rows:
        return f'- {title}: not measured.'
    trips = [r for r in rows if not _trips_ok(r)]
    slow = [r for r in rows if not _raw_ok(r)]
    status = '✓' if not trips and not slow else '✗'
    line = f'- {status} {title}: {len(rows) - len({id(r) for r in trips + slow})}/{len(rows)} meet it.'
    if trips:
        line += f' More round trips than raw: {_names(trips, "rt")}.'
    if slow:
        line += f' Slower than the limit: {_names(slow, "x_raw")}.'
    return line


def targets(data: dict[str, Any]) -> str:
    """Where each target of the benchmark issue stands, as markdown bullets."""
    ok = [r for r in data['results'] if r['status'] == 'ok']
    lines = ['Targets (✓ met; otherwise the misses are listed):', '']
    for front, prefix in (('sync', ''), ('asyncio', 'asyncio (`aio.*` vs raw redis.asyncio): ')):
        mine = [r for r in ok if r['op'].startswith('aio.') == (front == 'asyncio')]
        for kind, title in (
            ('single', 'Single-element operations: 1 round trip and within 1.2× raw'),
            ('bulk', 'Bulk operations: 1 round trip per chunk and within 1.5× raw'),
            (
                'fanout',
                "Redlock and NextId with 1 and with 5 masters: the raw fan-out's round trips and within 1.3× of it",
            ),
        ):
            lines.append(_target_line(prefix + title, [r for r in mine if r['kind'] == kind and _targeted(r)]))
    for r in (r for r in ok if r['kind'] == 'concurrent'):
        ours, raw = CONCURRENCY / r['pottery']['median'], CONCURRENCY / r['raw']['median']
        lines.append(
            f'- {"✓" if _raw_ok(r) else "✗"} asyncio, {CONCURRENCY} coroutines at once on one client, each '
            f'`await d.get(k)`: {ours:,.0f} operations per second (raw redis.asyncio {raw:,.0f}; '
            f'{r["x_raw"]:.2f}× the time, target 1.2×).'
        )
    lines += _untargeted(ok)
    compared = [r for r in ok if r['x_301'] is not None]
    if compared:
        heads = [r for r in compared if _headline(r)]
        low = [r for r in heads if r['x_301'] < HEADLINE_SPEEDUP]
        lines.append(
            f'- {"✓" if not low else "✗"} At least {HEADLINE_SPEEDUP:.0f}× faster than pottery 3.0.1 on iteration, '
            f'items(), ==, set operators, most_common and list iteration at n ≥ {HEADLINE_MIN_N:,}: '
            f'{len(heads) - len(low)}/{len(heads)}'
            + (
                f'; short: {_names(low, "x_301_ceiling")}.'
                if low
                else f' (lowest {min(r["x_301"] for r in heads):.1f}×).'
            )
            if heads
            else '- At least 10× faster than pottery 3.0.1 on the headline operations: not measured.'
        )
        slower = [r for r in compared if r['x_301'] < PAR]
        par = [r for r in compared if PAR <= r['x_301'] < 1.0]
        lines.append(
            f'- {"✓" if not slower else "✗"} Never slower than pottery 3.0.1: '
            + (f'slower on {_names(slower, "x_301")}.' if slower else f'{len(compared)}/{len(compared)} operations.')
            + (f' On par (within {1 - PAR:.0%}, the noise between runs): {_names(par, "x_301")}.' if par else '')
        )
        broken = [r for r in data['results'] if r.get('status_301') == 'error']
        if broken:
            lines.append(f'- pottery 3.0.1 failed on: {", ".join(r["op"] for r in broken)}.')
    else:
        lines.append('- Against pottery 3.0.1: not compared in this run (use --compare).')
    ids = next((r for r in ok if r['op'] == 'nextid.5_masters'), None)
    if ids is not None:
        rate = 1 / ids['pottery']['median']
        raw_rate = 1 / ids['raw']['median']
        line = (
            f'- NextId with 5 masters: {rate:,.0f} IDs per second from one client (raw fan-out {raw_rate:,.0f}); '
            f'the spec says "about {SPEC_IDS_PER_SECOND:,} IDs per second with 5 masters".'
        )
        if ids.get('pottery_301'):
            line += f' pottery 3.0.1: {1 / ids["pottery_301"]["median"]:,.0f}.'
        lines.append(line)
    missing = sorted({r['op'] for r in data['results'] if r['status'] == 'n/a'})
    if missing:
        lines.append(f'- Not measured (not in this pottery yet): {", ".join(missing)}.')
    errors = [r for r in data['results'] if r['status'] == 'error']
    if errors:
        lines.append('- Errors: ' + '; '.join(f'{r["op"]} n={r["n"]}: {r["error"]}' for r in errors) + '.')
    return '\n'.join(lines)


def _pyplot() -> Any:
    """``matplotlib.pyplot`` drawing to files, or None when matplotlib is missing.

    Optional (the ``bench`` extra), so imported by name: mypy must pass
    without it installed, as in CI.
    """
    try:
        importlib.import_module('matplotlib').use('Agg')
        return importlib.import_module('matplotlib.pyplot')
    except ImportError:
        return None


# --- contention (bench.contention) -------------------------------------------------

# The contention issue's targets.
REDLOCK_VS_301 = 3.0  # Redlock, 8 processes x 2 threads: critical sections per second over 3.0.1's
MAX_TIMEOUT_SHARE = 0.01  # of acquire(timeout=1) calls, 8 x 2 and 64 threads
THREADS_64_VS_1 = 0.5  # Redlock, 64 threads in one process: at least half of one thread's rate
NEXTID_VS_301 = 5.0  # NextId, 8 x 2: IDs per second over 3.0.1's
MAX_PAUSED_CALL = 2.0  # seconds: every next() with up to 2 of 5 masters paused


def _unit(result: dict[str, Any]) -> str:
    return 'critical sections' if 'sections' in result['ours'] else 'IDs'


def _safety(figures: dict[str, Any]) -> list[str]:
    # what must never happen, as words (empty when nothing did)
    broken = []
    for key, words in (
        ('overlaps', 'overlapping critical sections'),
        ('duplicates', 'duplicate IDs'),
        ('not_increasing', 'clients whose IDs did not increase'),
    ):
        if figures.get(key):
            broken.append(f'{figures[key]:,} {words}')
    return broken


def _side(figures: dict[str, Any]) -> str:
    parts = [f'{figures["per_second"]:,.0f}/s']
    if 'timeout_share' in figures:
        parts.append(f'{figures["timeout_share"]:.1%} timeouts')
    if figures['errors']:
        parts.append(f'{figures["errors"]:,} errors ({", ".join(figures["error_types"])})')
    if figures['stuck']:
        parts.append(f'{figures["stuck"]} threads stuck')
    parts.append(f'slowest call {figures["slowest"]:.2f} s')
    return ', '.join(parts + _safety(figures))


def contention_line(result: dict[str, Any]) -> str:
    """One scenario in a line: ours, and pottery 3.0.1's when measured."""
    line = f'{result["op"]}: {_unit(result)} {_side(result["ours"])}'
    if 'theirs' in result:
        line += f'; pottery 3.0.1: {_side(result["theirs"])}'
    return line


def contention_table(data: dict[str, Any]) -> str:
    """The contention scenarios as a markdown table."""
    rows = data.get('contention') or []
    if not rows:
        return '(not run)'
    lines = [
        '| scenario | clients | per second | timeouts | errors | slowest call | never | pottery 3.0.1 | × 3.0.1 |',
        '| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |',
    ]
    for r in rows:
        ours, theirs = r['ours'], r.get('theirs')
        scenario = r['op'].removeprefix('contention.')
        timeouts = f'{ours["timeout_share"]:.1%}' if 'timeout_share' in ours else ''
        errors = f'{ours["errors"]:,}' if ours['errors'] else '0'
        never = '; '.join(_safety(ours)) or '✓ none'
        other = _side(theirs) if theirs else ''
        ratio = f'{ours["per_second"] / theirs["per_second"]:.1f}' if theirs and theirs['per_second'] else ''
        lines.append(
            f'| {scenario} | {r["clients"]} | {ours["per_second"]:,.0f} {_unit(r)} | {timeouts} '
            f'| {errors} | {ours["slowest"]:.2f} s | {never} | {other} | {ratio} |'
        )
    return '\n'.join(lines)


def contention_targets(data: dict[str, Any]) -> str:
    """Where each target of the contention issue stands, as markdown bullets."""
    rows = {r['op'].removeprefix('contention.'): r for r in data.get('contention') or []}
    if not rows:
        return '- Contention: not run.'
    lines = []

    def check(ok: bool, text: str) -> None:
        lines.append(f'- {"✓" if ok else "✗"} {text}')

    def ratio(name: str) -> float | None:
        theirs = rows[name].get('theirs')
        return rows[name]['ours']['per_second'] / theirs['per_second'] if theirs and theirs['per_second'] else None

    if 'redlock.8x2' in rows:
        ours, times = rows['redlock.8x2']['ours'], ratio('redlock.8x2')
        share = ours['timeout_share']
        if times is not None:
            check(
                times >= REDLOCK_VS_301,
                f"Redlock, 8 processes x 2 threads: {times:.1f}× pottery 3.0.1's critical "
                f'sections per second (target {REDLOCK_VS_301:.0f}×).',
            )
        check(
            share <= MAX_TIMEOUT_SHARE,
            f'Redlock, 8 x 2: {share:.1%} of acquire(timeout=1) timed out (at most {MAX_TIMEOUT_SHARE:.0%}).',
        )
    if {'redlock.1x1', 'redlock.1x64'} <= rows.keys():
        one, many = rows['redlock.1x1']['ours'], rows['redlock.1x64']['ours']
        check(
            many['per_second'] >= THREADS_64_VS_1 * one['per_second'] and many['timeout_share'] <= MAX_TIMEOUT_SHARE,
            f'Redlock, 64 threads in one process: {many["per_second"]:,.0f} critical sections per second, '
            f"{many['per_second'] / one['per_second']:.0%} of one thread's {one['per_second']:,.0f} (at least "
            f'{THREADS_64_VS_1:.0%}), {many["timeout_share"]:.1%} timeouts (at most {MAX_TIMEOUT_SHARE:.0%}).',
        )
    for name in ('redlock.1x16', 'redlock.8x2'):
        if name in rows:
            ours, clients = rows[name]['ours'], rows[name]['clients']
            check(
                not ours['starved'] and not ours['timeouts'],
                f'Redlock, {clients} contenders ({name.split(".")[1]}): {clients - ours["starved"]} of {clients} got '
                'the lock, '
                f'{ours["timeouts"]} acquire() calls timed out (every contender gets it within its timeout).',
            )
    if 'nextid.1x64' in rows:
        ours = rows['nextid.1x64']['ours']
        check(
            ours['per_second'] >= SPEC_IDS_PER_SECOND and not ours['errors'] and not ours['duplicates'],
            f'NextId, 64 threads in one process: {ours["per_second"]:,.0f} IDs per second in all (spec: about '
            f'{SPEC_IDS_PER_SECOND:,}), {ours["errors"]} errors, {ours["duplicates"]} duplicates.',
        )
    if 'nextid.8x2' in rows:
        ours, times = rows['nextid.8x2']['ours'], ratio('nextid.8x2')
        check(
            (times is None or times >= NEXTID_VS_301) and not ours['errors'] and not ours['duplicates'],
            'NextId, 8 processes x 2 threads: '
            + (f"{times:.1f}× pottery 3.0.1's IDs per second (target {NEXTID_VS_301:.0f}×), " if times else '')
            + f'{ours["errors"]} errors, {ours["duplicates"]} duplicates.',
        )
    for paused in (1, 2):
        name = f'nextid.8x2_{paused}_paused'
        if name in rows:
            ours = rows[name]['ours']
            theirs = rows[name].get('theirs')
            check(
                ours['slowest'] <= MAX_PAUSED_CALL and not ours['stuck'],
                f'NextId, 8 x 2 with {paused} of 5 masters paused: the slowest next() took {ours["slowest"]:.2f} s '
                f'(at most {MAX_PAUSED_CALL:.0f} s), {ours["errors"]} raised'
                + (f'; pottery 3.0.1: {theirs["slowest"]:.1f} s, {theirs["stuck"]} threads stuck' if theirs else '')
                + '.',
            )
    broken = [f'{name}: {", ".join(_safety(r["ours"]))}' for name, r in rows.items() if _safety(r['ours'])]
    check(
        not broken,
        "Safety: no overlapping critical sections, no duplicate ID, every client's IDs increasing"
        + (f' -- broken in {"; ".join(broken)}.' if broken else f', in all {len(rows)} scenarios.'),
    )
    return '\n'.join(lines)


def contention_chart(data: dict[str, Any], path: Path) -> Path | None:
    """Ours vs pottery 3.0.1 per contention scenario as a PNG; None without matplotlib or rows."""
    rows = data.get('contention') or []
    plt = _pyplot()
    if plt is None or not rows:
        return None
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(rows) + 1.4))
    y = list(range(len(rows)))[::-1]
    labels = [r['op'].removeprefix('contention.') for r in rows]
    height = 0.4
    ax.barh([v + height / 2 for v in y], [r['ours']['per_second'] for r in rows], height, label='pottery (this)')
    if any('theirs' in r for r in rows):
        theirs = [r['theirs']['per_second'] if 'theirs' in r else 0.0 for r in rows]
        ax.barh([v - height / 2 for v in y], theirs, height, label='pottery 3.0.1', color='tab:gray')
    ax.set_xscale('log')
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel('critical sections (redlock.*) or IDs (nextid.*) per second, all clients (log; higher is better)')
    ax.legend(fontsize=8)
    ax.set_title('Under contention: 5 masters, one key', fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# --- chart -------------------------------------------------------------------------


def _chart_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    # one row per op: the unsized ones, and the sized ones at 1,000 (or the
    # largest measured size below it)
    ok = [r for r in data['results'] if r['status'] == 'ok']
    rows = []
    for name in dict.fromkeys(r['op'] for r in ok):
        mine = [r for r in ok if r['op'] == name]
        sized = [r for r in mine if r['n'] is not None]
        if not sized:
            rows.extend(mine)
            continue
        small = [r for r in sized if r['n'] <= HEADLINE_MIN_N] or sized
        rows.append(max(small, key=lambda r: r['n']))
    return rows


def chart(data: dict[str, Any], path: Path) -> Path | None:
    """Draw the ratios as a PNG; None (and no file) when matplotlib is missing."""
    plt = _pyplot()
    rows = _chart_rows(data)
    if plt is None or not rows:
        return None
    labels = [r['op'] + (f' n={r["n"]:,}' if r['n'] is not None else '') for r in rows]
    compared = any(r['x_301'] is not None for r in rows)
    panels = 2 if compared else 1
    fig, axes = plt.subplots(1, panels, figsize=(6 * panels + 1, 0.26 * len(rows) + 1.6), sharey=True, squeeze=False)
    y = list(range(len(rows)))[::-1]
    left = axes[0][0]
    colors = ['tab:red' if not _raw_ok(r) else 'tab:blue' if _targeted(r) else 'darkgray' for r in rows]
    left.barh(y, [r['x_raw'] for r in rows], color=colors)
    for limit, style in ((1.0, '-'), (1.2, ':'), (1.5, '--')):
        left.axvline(limit, color='gray', linestyle=style, linewidth=0.8)
    left.set_yticks(y, labels, fontsize=7)
    left.set_xlabel('time / raw redis-py time (lower is better; lines at 1, 1.2, 1.5; red: over target)')
    left.set_title('pottery vs raw redis-py', fontsize=10)
    if compared:
        right = axes[0][1]
        values = [r['x_301'] or 0.0 for r in rows]
        colors = ['lightgray' if r['x_301'] is None else ('tab:red' if not _301_ok(r) else 'tab:green') for r in rows]
        right.barh(y, values, color=colors)
        right.set_xscale('log')
        right.axvline(1.0, color='gray', linewidth=0.8)
        right.axvline(HEADLINE_SPEEDUP, color='gray', linestyle='--', linewidth=0.8)
        right.set_xlabel('pottery 3.0.1 time / our time (higher is better; log)')
        right.set_title('speed-up over pottery 3.0.1', fontsize=10)
    meta = data['meta']
    fig.suptitle(f'pottery {meta["pottery"]}, {meta["machine"]["cpu"]} ({meta["machine"]["cores"]} cores)', fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# --- the docs page -----------------------------------------------------------------

PAGE = """\
# Benchmarks

Redis sits across a network, so what a container costs is first its number of round trips, then
the client-side work of encoding and decoding.  `python -m bench` measures both for every
operation, against two references:

* **raw redis-py** doing the same job -- JSON encoding and decoding included -- in the fewest round
  trips, the way a careful user would write it by hand: one `HGET` and a `json.loads` for `d[k]`,
  one `HSET` with a mapping for `update()`, `HGETALL` and a decode for `== dict`, pages of 1,000
  (`HSCAN`/`SSCAN`/`LRANGE`) for iteration, one `MULTI`/`EXEC` pipeline of `HINCRBY` for
  `Counter.update()`, one `BITFIELD` for a Bloom filter, the same `SET NX PX`/`EVAL` fan-out to
  every master (concurrently, from a thread pool made once) for Redlock, and for NextId the same
  set-if-greater script (`EVALSHA`) on every master.
  Pottery and raw are timed in the same run, call by call, alternating (pottery, raw, raw,
  pottery...), with the garbage collector off; **× raw** is the median of the ratios of those
  pairs of calls, so that a burst of load from elsewhere hits both calls of a pair and cancels;
* **pottery 3.0.1** from PyPI, with `--compare`: installed by the bench into its own virtualenv
  (`.venv-pottery301`) and run in a subprocess -- whose `sys.path` holds `bench/` and
  `tests/servers.py` but not our package -- against the same servers, with the same operation
  definitions (only the public API, which both versions share) and the same raw redis-py code
  timed alongside.  **× pottery-3.0.1** is its ratio to raw divided by ours: how many times
  faster we are, with a change of load between the two runs cancelled.  The JSON also keeps the
  direct ratio of the medians (`x_301_direct`).

Every operation also has an **asyncio twin**, `aio.<op>`: the same job on the `pottery.asyncio`
container (`await d.getitem(k)`, `async for`, `await s.union(t)`...) against raw `redis.asyncio`
doing the same commands, timed the same way in the same run, each call inside one event loop
from just before its `await` to just after.  The twins are declared in one line each
(`bench/ops.py`, `twin(...)`).  One more row, `aio.dict.get_x100`, times 100 coroutines
awaiting `d.get(k)` at once on one client; the targets turn it into operations per second.

The bench starts its own `redis-server` processes (one standalone, five masters for Redlock and
NextId) on free loopback ports, and counts round trips on the client connection (a pipeline or a
transaction is one exchange).  Single-element operations run on a container that already holds
1,000 items; iteration is timed as `[x for x in c]` (see the notes).  Repetitions are adaptive:
as many as fit in the time budget, at least 7 (3 for calls slower than a second or so).

```
make bench          # python -m bench --quick: every operation and contention scenario, short budget (~3 minutes)
make bench-full     # python -m bench: longer budget, 3 rounds of 5 s per contention scenario
make bench-compare  # python -m bench --quick --compare --docs: also pottery 3.0.1; rewrites this page
python -m bench --ops 'dict.*' set --sizes 1000    # a subset
python -m bench --ops contention                   # only Redlock and NextId under contention
```

Columns: **round trips** per operation (with raw's count when it differs); **median** time of
pottery's operation; **× raw** (lower is better, 1.00 is as fast as raw); **× pottery-3.0.1**
(higher is better, with 3.0.1's round trips when they differ).  ⚠ marks a miss of the targets
below.  Every number is in `bench/results/latest.json`.

## Latest run

{when}

{machine}

Command: `{command}` ({elapsed:.0f} s).

{chart}

{table}

## Targets

{targets}

## Under contention

`bench/contention.py` runs Redlock and NextId the way a busy deployment does: many clients on one
key of five masters, each client a thread, in one or several processes (`1x64`: 64 threads in one
process; `8x2`: 8 processes of 2 threads).  Redlock: every thread has a `Redlock` of its own and
loops `acquire(timeout=1)`, a 2 ms critical section, `release()`; **per second** counts critical
sections, **timeouts** the share of `acquire()` calls that returned `False`.  NextId: the threads
of a process share one `NextId` and loop `next(ids)`; **per second** counts IDs from every client;
`_1_paused` and `_2_paused` run with 1 or 2 of the 5 masters paused (`SIGSTOP`) throughout.
**never** lists what must never happen, checked on everything the clients saw: critical sections
that overlap (stamped with the wall clock, which every process shares), duplicate IDs, a client
whose IDs did not strictly increase.  A thread still inside a call 10 s after the end counts as
stuck.  Every child process is started and connected before a common start; with `--compare`,
pottery 3.0.1 runs each scenario beside ours, the two alternating which goes first.  {rounds}

{contention_chart}

{contention_table}

{contention_targets}

## Notes

- `list(container)` costs one more round trip than a `for` loop over it: `list()` first asks
  `len()` for a length hint, and `len()` is a round trip.  A loop or a comprehension does not.
- On loopback one round trip costs about 50 µs, so a single-element operation is mostly the round
  trip, and a 1.2× target leaves about 10 µs for pottery's own Python work.  Over a real network the
  ratios to raw shrink towards 1 and the gains over pottery 3.0.1 where it makes more round trips
  grow.
- The machine that ran this is a loaded shared 2-core box (other test suites and benchmarks
  running beside it), so absolute times are noisy and differ between rows; the ratios, measured
  pairwise in the same run, are the figures to read.
- `dict.get_cached` is `d[k]` on a client that caches reads (`Redis(protocol=3,
  cache_config=CacheConfig())`, redis-py >= 5.1), against `hget` and `json.loads` on the same
  client: both are answered from the client's memory after the first call, so there is no round
  trip, and the ratio is pottery's own Python work.  redis-py enables its cache only on Redis >=
  7.4; on another server (Redis 7.0 here, or Valkey) the bench lifts that gate for its process.
{notes}"""


def page(
    data: dict[str, Any], chart_name: str | None, notes: str = '', contention_chart_name: str | None = None
) -> str:
    """The whole of docs/benchmarks.md for these results."""
    meta = data['meta']
    m = meta['machine']
    settings = meta['settings']
    compared = meta['compared']
    machine_line = (
        f'Machine: {m["cpu"]}, {m["cores"]} cores, {m["os"]}; Python {m["python"]}; redis-server '
        f'{m["redis_server"]} on loopback; redis-py {m["redis_py"]} (hiredis {"on" if m["hiredis"] else "off"}).'
    )
    if compared:
        machine_line += f' Compared: pottery {compared["pottery"]} with redis-py {compared["redis_py"]}.'
    missing = sorted({r['op'].split('.')[0] for r in data['results'] if r['status'] == 'n/a'})
    if missing:
        notes = f'- Not in this pottery when the bench ran, so their rows read n/a: {", ".join(missing)}.\n' + notes
    return PAGE.format(
        when=f'Run on {meta["date"]} with pottery {meta["pottery"]}.',
        machine=machine_line,
        command=meta['command'],
        elapsed=meta['elapsed_s'],
        chart=f'![pottery vs raw redis-py and pottery 3.0.1]({chart_name})'
        if chart_name
        else '(no chart: matplotlib missing)',
        table=table(data),
        targets=targets(data),
        rounds=f'Each scenario ran {settings["contention_rounds"]} round(s) of {settings["contention_seconds"]:g} s '
        'per side.'
        if 'contention_rounds' in settings
        else '',
        contention_chart=f'![Redlock and NextId under contention]({contention_chart_name})'
        if contention_chart_name
        else '',
        contention_table=contention_table(data),
        contention_targets=contention_targets(data),
        notes=notes,
    )


if __name__ == '__main__':  # pragma: no cover - a helper: re-render from a results file
    results = json.loads(Path(sys.argv[1]).read_text())
    print(table(results))
    print()
    print(targets(results))
    print()
    print(contention_table(results))
    print()
    print(contention_targets(results))

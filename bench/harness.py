"""Measuring: servers, clients, interleaved timing and round-trip counts.

Round trips are counted client-side by :class:`tests.servers.CountingConnection`
(one request/response exchange -- a command, a pipeline or a transaction --
is one).  Timing alternates the sides of an operation call by call (pottery,
raw, raw, pottery, ...) with the garbage collector off, and reports each
side's median and the median of the pottery/raw ratios of adjacent calls, so
that machine noise hits both sides of a pair alike and cancels.

An asyncio side (one with a ``loop``) is timed inside its event loop, from
just before its ``await`` to just after, so that starting the loop is not
part of the time; its round trips are counted the same way (every
``redis.asyncio`` connection counts its sends, see :mod:`tests.servers`).
"""

from __future__ import annotations

import contextlib
import gc
import statistics
import time
import traceback
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

import redis
import redis.asyncio

from bench.ops import Env, Op, Side
from tests.servers import CountingConnection, RedisServer, count_round_trips

__all__ = ['Settings', 'async_client', 'client', 'measure', 'run_ops', 'servers']

HOST = '127.0.0.1'


@dataclass(frozen=True)
class Settings:
    """How long to measure each (operation, size), per side.

    Repetitions are adaptive: as many as fit in ``budget`` seconds (measured
    on the warm-up calls), clamped to ``[min_reps, max_reps]``; a side slow
    enough that ``min_reps`` calls would take over ``max_seconds`` gets fewer
    (3 at least).  Each contention scenario runs ``contention_rounds`` rounds
    of ``contention_seconds`` per side.
    """

    budget: float = 1.0
    min_reps: int = 7
    max_reps: int = 2000
    max_seconds: float = 30.0
    sizes: tuple[int, ...] = (10, 1_000, 10_000)
    contention_seconds: float = 5.0  # per round of a contention scenario (bench.contention)
    contention_rounds: int = 3

    @classmethod
    def quick(cls) -> Settings:
        return cls(budget=0.2, min_reps=7, max_reps=300, max_seconds=8.0, contention_seconds=3.0, contention_rounds=1)


def client(port: int, **kwargs: Any) -> redis.Redis:
    """A client of a loopback server that counts its round trips."""
    kwargs.setdefault('socket_timeout', 10)
    pool = redis.ConnectionPool(connection_class=CountingConnection, host=HOST, port=port, **kwargs)
    return redis.Redis(connection_pool=pool)


def async_client(port: int, **kwargs: Any) -> Any:
    """An asyncio client of a loopback server (its round trips are counted too).

    Room for a few hundred concurrent commands: redis.asyncio's pool refuses
    a 101st connection by default.
    """
    kwargs.setdefault('socket_timeout', 10)
    return redis.asyncio.Redis(host=HOST, port=port, max_connections=1000, **kwargs)


@contextlib.contextmanager
def servers() -> Iterator[tuple[RedisServer, list[RedisServer]]]:
    """Start one standalone server and five masters; stop them all after."""
    started: list[RedisServer] = []
    try:
        standalone = RedisServer().start()
        started.append(standalone)
        masters = []
        for _ in range(5):
            masters.append(RedisServer().start())
            started.append(masters[-1])
        yield standalone, masters
    finally:
        for server in started:
            server.stop()


def _once(side: Side) -> None:
    if side.loop is None:
        side.run()
    else:
        side.loop.run_until_complete(_awaited(side.run))


async def _awaited(run: Callable[[], object]) -> None:
    await cast(Awaitable[object], run())  # an asyncio side's run returns an awaitable


def _call(side: Side) -> float:
    if side.reset is not None:
        side.reset()
    if side.loop is not None:
        return side.loop.run_until_complete(_timed(side.run))
    start = time.perf_counter()
    side.run()
    return time.perf_counter() - start


async def _timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    await cast(Awaitable[object], run())
    return time.perf_counter() - start


def measure(sides: dict[str, Side], settings: Settings, *, settle: float = 0.0) -> dict[str, Any]:
    """Time the sides interleaved; return per side its median, reps and round trips.

    With a ``pottery`` and a ``raw`` side, also ``ratio``: the median of
    pottery/raw over the pairs of calls made one after the other.

    ``settle`` seconds of quiet before and after the call whose round trips
    are counted (for operations that finish work in background threads).
    """
    estimate = 0.0
    for side in sides.values():  # warm up: connections, script loading
        first = _call(side)
        estimate += _call(side) if first < 0.05 else first
    trips: dict[str, int] = {}
    for name, side in sides.items():
        # The fewest over a few calls: a thread pool may still be opening a
        # connection to some master (the handshake is a round trip too).
        counts = []
        for _ in range(3 if estimate < 0.1 else 1):
            if side.reset is not None:
                side.reset()
            # A fan-out may return on a quorum while calls to the last masters
            # are still in flight: let them land inside this window, not the next.
            time.sleep(settle)
            with count_round_trips() as counted:
                _once(side)
                time.sleep(settle)
            counts.append(counted.count)
        trips[name] = min(counts)
    estimate = max(estimate, 1e-9)
    reps = min(settings.max_reps, int(settings.budget * len(sides) / estimate))
    # at least min_reps -- unless a call is so slow that they would not fit
    # in max_seconds, then as many as fit, and never fewer than 3
    floor = min(settings.min_reps, max(3, int(settings.max_seconds / estimate)))
    reps = max(reps, floor)
    times: dict[str, list[float]] = {name: [] for name in sides}
    order = list(sides)
    gc.collect()
    gc.disable()
    try:
        for rep in range(reps):
            for name in order if rep % 2 == 0 else reversed(order):
                times[name].append(_call(sides[name]))
    finally:
        gc.enable()
    result: dict[str, Any] = {
        name: {'median': statistics.median(times[name]), 'reps': len(times[name]), 'round_trips': trips[name]}
        for name in sides
    }
    if 'pottery' in times and 'raw' in times:
        # The median of the ratios of calls made side by side: a burst of
        # load from elsewhere hits both calls of a pair, and cancels.
        pairs = zip(times['pottery'], times['raw'], strict=True)
        result['ratio'] = statistics.median(ours / raw for ours, raw in pairs)
    return result


def run_ops(
    env: Env,
    ops: Sequence[Op],
    settings: Settings,
    *,
    sides: Sequence[str] = ('pottery', 'raw'),
    flush: Callable[[], object] = lambda: None,
    progress: Callable[[str], None] = lambda line: None,
) -> list[dict[str, Any]]:
    """Measure every operation at every size; one result dict per (operation, size).

    An operation whose pottery class is missing is reported with status
    ``n/a``; one that raises, with status ``error`` and the message.
    """
    results: list[dict[str, Any]] = []
    for op in ops:
        for n in settings.sizes if op.sized else (None,):
            result: dict[str, Any] = {'op': op.name, 'n': n, 'kind': op.kind, 'headline': op.headline}
            results.append(result)
            if not op.available(env.pottery):
                result['status'] = 'n/a'
                progress(f'{op.name:<22} {_size(n):>7}  n/a ({op.needs} is not in this pottery)')
                continue
            built: dict[str, Side] = {}
            try:
                for name in sides:
                    builder = op.pottery if name == 'pottery' else op.raw
                    built[name] = builder(env, n if n is not None else 0)
                settle = 0.05 if op.kind == 'fanout' else 0.0
                result.update(measure(built, settings, settle=settle))
                result['status'] = 'ok'
            except Exception as error:  # noqa: BLE001  # one broken op must not stop the bench
                result['status'] = 'error'
                result['error'] = f'{type(error).__name__}: {error}'
                result['traceback'] = traceback.format_exc(limit=6)
            finally:
                for side in built.values():
                    if side.cleanup is not None:
                        with contextlib.suppress(Exception):
                            side.cleanup()
                flush()
            progress(_progress_line(result, sides))
    return results


def _size(n: int | None) -> str:
    return '' if n is None else f'{n:,}'


def _progress_line(result: dict[str, Any], sides: Sequence[str]) -> str:
    head = f'{result["op"]:<22} {_size(result["n"]):>7}'
    if result['status'] != 'ok':
        return f'{head}  {result["status"]}: {result.get("error", "")}'
    parts = [f'{name} {result[name]["median"] * 1e6:9.1f} us {result[name]["round_trips"]:>3} rt' for name in sides]
    return f'{head}  ' + '   '.join(parts)

"""ContextTimer, driven by a fake clock: no sleeping except one real check."""

from __future__ import annotations

import doctest
import time

import pytest

import pottery.timer
from pottery import ContextTimer

MS = 1_000_000  # nanoseconds


class FakeClock:
    """A monotonic nanosecond clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1_000 * MS

    def __call__(self) -> int:
        return self.now

    def advance(self, ms: float) -> None:
        self.now += int(ms * MS)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_elapsed_runs_while_started_and_freezes_when_stopped(clock: FakeClock) -> None:
    timer = ContextTimer(clock=clock)
    timer.start()
    assert timer.running
    assert timer.elapsed() == 0
    clock.advance(150)
    assert timer.elapsed() == 150
    clock.advance(50)
    timer.stop()
    assert not timer.running
    clock.advance(1_000)
    assert timer.elapsed() == 200


def test_elapsed_is_whole_milliseconds_rounded_down(clock: FakeClock) -> None:
    timer = ContextTimer(clock=clock)
    timer.start()
    clock.advance(0.999999)
    assert timer.elapsed() == 0
    clock.advance(0.000001)
    assert timer.elapsed() == 1
    clock.advance(99.5)
    assert timer.elapsed() == 100
    assert isinstance(timer.elapsed(), int)


def test_context_manager_starts_and_stops(clock: FakeClock) -> None:
    with ContextTimer(clock=clock) as timer:
        assert timer.running
        clock.advance(100)
        assert timer.elapsed() == 100
    clock.advance(100)
    assert not timer.running
    assert timer.elapsed() == 100


def test_context_manager_stops_on_error_and_lets_it_through(clock: FakeClock) -> None:
    timer = ContextTimer(clock=clock)
    with pytest.raises(KeyError), timer:
        clock.advance(30)
        raise KeyError('boom')
    clock.advance(30)
    assert timer.elapsed() == 30


def test_stopping_inside_the_block_is_allowed(clock: FakeClock) -> None:
    with ContextTimer(clock=clock) as timer:
        clock.advance(10)
        timer.stop()
        clock.advance(10)
    assert timer.elapsed() == 10


@pytest.mark.parametrize(
    ('steps', 'message'),
    [
        (['elapsed'], 'never started'),
        (['stop'], 'never started'),
        (['start', 'start'], 'already started'),
        (['start', 'stop', 'start'], 'already started'),
        (['start', 'stop', 'stop'], 'already stopped'),
    ],
)
def test_misuse_raises_runtime_error(clock: FakeClock, steps: list[str], message: str) -> None:
    timer = ContextTimer(clock=clock)
    *before, last = steps
    for step in before:
        getattr(timer, step)()
    with pytest.raises(RuntimeError, match=message):
        getattr(timer, last)()


def test_entering_a_used_timer_raises(clock: FakeClock) -> None:
    timer = ContextTimer(clock=clock)
    with timer:
        pass
    with pytest.raises(RuntimeError, match='already started'), timer:
        pass  # pragma: no cover


def test_repr(clock: FakeClock) -> None:
    timer = ContextTimer(clock=clock)
    assert repr(timer) == '<ContextTimer not started>'
    timer.start()
    clock.advance(5)
    assert repr(timer) == '<ContextTimer running, elapsed=5 ms>'
    timer.stop()
    assert repr(timer) == '<ContextTimer stopped, elapsed=5 ms>'


def test_default_clock_is_monotonic_wall_time() -> None:
    timer = ContextTimer()
    timer.start()
    time.sleep(0.02)
    elapsed = timer.elapsed()
    # Milliseconds of wall time: at least the sleep.  The upper bound only
    # rules out a wrong unit (us or ns), with seconds to spare for a loaded
    # machine.
    assert 20 <= elapsed < 10_000
    assert timer.elapsed() >= elapsed  # never goes back


def test_module_docstrings() -> None:
    result = doctest.testmod(pottery.timer)
    assert result.attempted > 0
    assert result.failed == 0

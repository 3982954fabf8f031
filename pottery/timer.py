"""ContextTimer: measure elapsed wall-clock time in milliseconds.

The timer reads a monotonic clock (``time.perf_counter_ns`` by default), so
it is immune to the system clock being set back or forward.  The clock is a
parameter so that tests can drive the timer without sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType

__all__ = ['ContextTimer']

_NS_PER_MS = 1_000_000


class ContextTimer:
    """A stopwatch reporting elapsed wall-clock time in whole milliseconds.

    Use it stand-alone (``start()``, ``elapsed()``, ``stop()``) or as a
    context manager, which starts it on entry and stops it on exit.  Once
    stopped, ``elapsed()`` keeps returning the time between start and stop.

    >>> timer = ContextTimer(clock=iter([0, 5_000_000, 7_000_000]).__next__)
    >>> timer.start()
    >>> timer.elapsed()
    5
    >>> timer.stop()
    >>> timer.elapsed()
    7

    ``clock`` returns integer nanoseconds from a monotonic clock; the default
    is :func:`time.perf_counter_ns`.  A timer runs once: starting it twice,
    stopping it twice or before it started, and reading it before it started
    raise ``RuntimeError``.
    """

    __slots__ = ('_clock', '_started', '_stopped')

    def __init__(self, *, clock: Callable[[], int] = time.perf_counter_ns) -> None:
        self._clock = clock
        self._started: int | None = None
        self._stopped: int | None = None

    def start(self) -> None:
        """Start the timer.  RuntimeError if it was started before."""
        if self._started is not None:
            raise RuntimeError('the timer was already started (a ContextTimer runs once)')
        self._started = self._clock()

    def stop(self) -> None:
        """Stop the timer.  RuntimeError if it is not running."""
        if self._started is None:
            raise RuntimeError('the timer was never started')
        if self._stopped is not None:
            raise RuntimeError('the timer was already stopped')
        self._stopped = self._clock()

    def elapsed(self) -> int:
        """Milliseconds (rounded down) from start to stop, or to now if running.

        RuntimeError if the timer was never started.
        """
        if self._started is None:
            raise RuntimeError('the timer was never started')
        end = self._clock() if self._stopped is None else self._stopped
        return (end - self._started) // _NS_PER_MS

    @property
    def running(self) -> bool:
        """Whether the timer was started and not stopped yet."""
        return self._started is not None and self._stopped is None

    def __enter__(self) -> ContextTimer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        # The block may have stopped the timer itself: stopping again here
        # would raise and hide whatever exception the block is propagating.
        if self.running:
            self.stop()

    def __repr__(self) -> str:
        if self._started is None:
            state = 'not started'
        else:
            state = f'{"running" if self.running else "stopped"}, elapsed={self.elapsed()} ms'
        return f'<{type(self).__name__} {state}>'

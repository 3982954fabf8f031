"""Several independent Redis masters as one: the fan-out and the quorum.

:class:`pottery.Redlock` and :class:`pottery.NextId` (and their asyncio
twins) run every step on N independent masters at once and count a majority
(``N // 2 + 1``).  This module holds what they share:

* :class:`FanOut`, the request (see :mod:`pottery.command`) that sends one
  request to every master concurrently and returns each master's reply or
  error -- from the calling thread (or a thread pool) on the blocking front,
  with ``asyncio`` tasks on the asyncio front -- so that each algorithm is
  written once;
* :class:`Quorum`, the front logic of a primitive over several masters: its
  clients, its majority, and how its operations reach them.

Blocking front: a script goes to every master from the calling thread (sent
on one connection per master, the replies read as they arrive); a reply
still outstanding when the caller moves on is read by a process-wide thread
pool, which also runs any other request.  Each call has a deadline
(``master_timeout``) after which the caller stops waiting, and goes through a
private client with a short socket timeout (and a connect timeout of
``master_timeout``), so that a paused or black-holed master costs a bounded
delay and never pins a worker for long; while a master is suspected down,
calls to it fail at once instead of queueing.

Asyncio front: each call is a task bounded by ``asyncio.wait_for``, and a
suspected master fails at once too (:class:`Health`, shared by both fronts).
On both fronts, calls still running when the outcome is known (a majority
agreed) finish in the background, within their deadline.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import math
import os
import queue
import selectors
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar, Generic, TypeVar

import redis.asyncio
import redis.asyncio.cluster
from redis import ConnectionPool, Redis
from redis.backoff import NoBackoff
from redis.cluster import RedisCluster
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from pottery.base import default_async_redis, default_redis
from pottery.command import Eval, Request

__all__ = [
    'MAX_INFLIGHT',
    'MAX_WORKERS',
    'PENDING',
    'SOCKET_TIMEOUT',
    'C',
    'FanOut',
    'Health',
    'Listen',
    'Master',
    'MasterUnavailable',
    'Quorum',
    'Wait',
    'background_tasks',
    'errors',
    'executor',
    'quorum_decided',
]

# Longest a pool worker may stay blocked on one master's socket.
SOCKET_TIMEOUT = 0.5
# Upper bound of the thread pool shared by every Redlock and NextId.
MAX_WORKERS = 128
# Most calls in flight to one master, so that two dead masters leave workers.
MAX_INFLIGHT = 32

# A master that has not answered when the fan-out returned (its call goes on
# in the background).
PENDING: Any = object()


class MasterUnavailable(RedisTimeoutError):
    """A master did not answer in time, or is suspected down and was skipped."""


def errors(results: Iterable[Any]) -> list[Exception]:
    """The errors among a fan-out's results."""
    return [result for result in results if isinstance(result, Exception)]


def quorum_decided(quorum: int, good: Callable[[Any], bool]) -> Callable[[list[Any]], bool]:
    """A ``decided`` test for :class:`FanOut`: a majority is ``good``, or a majority answered no.

    A majority made impossible by *errors* is not decided early: the caller
    waits for every master (up to its deadline) so that it can count the
    errors exactly and tell ``QuorumIsImpossible`` from a lost race.
    """

    def decided(results: list[Any]) -> bool:
        yes = no = 0
        for result in results:
            if result is PENDING or isinstance(result, Exception):
                continue
            if good(result):
                yes += 1
            else:
                no += 1
        return yes >= quorum or no > len(results) - quorum

    return decided


class FanOut(Request):
    """Send ``request`` to every master at once; the reply is each one's result or error.

    ``request`` may also be a sequence: one request per chosen master.  The
    "client" a fan-out runs with is the primitive's masters (see
    :class:`Quorum`): :class:`Master` objects on the blocking front, asyncio
    clients on the asyncio front; ``only`` picks some of them by index.  It
    waits at most ``timeout`` seconds, less when ``decided(results)`` says the
    outcome is known: masters still pending then are :data:`PENDING` (their
    calls finish in the background).  A master that missed the deadline gets
    a :class:`MasterUnavailable`.  A ``cleanup`` (the undo of a failed
    attempt, a release) also goes to masters suspected down, which are not
    waited for (they get a :class:`MasterUnavailable` at once): skipping it
    would leave a token there until it expires.  A cleanup also goes to a
    master only after the calls this process left running there (past a
    decision or a deadline) finished, at most until its own deadline, so
    that it cannot overtake the call it undoes on another connection.  One
    concurrent round trip.
    """

    __slots__ = ('cleanup', 'decided', 'only', 'request', 'timeout')

    # How often a blocking fan-out waiting on sockets looks for results of
    # the pool too (s): only while a master without an idle connection is due.
    POLL = 0.002
    # How long a blocking fan-out that knows its outcome still reads the
    # replies that come (s).
    GRACE = 0.001

    def __init__(
        self,
        request: Request | Sequence[Request],
        timeout: float,
        decided: Callable[[list[Any]], bool] | None = None,
        only: Sequence[int] | None = None,
        cleanup: bool = False,
    ) -> None:
        self.request, self.timeout, self.decided, self.only = request, timeout, decided, only
        self.cleanup = cleanup

    def __repr__(self) -> str:
        return f'FanOut({self.request!r})'

    def _chosen(self, masters: Sequence[Any]) -> list[Any]:
        return list(masters) if self.only is None else [masters[index] for index in self.only]

    def _request(self, index: int) -> Request:
        # the request for the index-th chosen master
        return self.request if isinstance(self.request, Request) else self.request[index]

    def run(self, client: Any) -> list[Any]:
        masters: list[Master] = self._chosen(client)
        count = len(masters)
        if count == 1:
            # One master: nothing to overlap, so the call runs in the calling
            # thread (a hop through the pool would double its cost); the
            # twin's socket timeout bounds it.
            return [masters[0].call(self._request(0), self.timeout)]
        # A script goes out from this thread on an idle connection of the
        # master (see Master.start), and its reply is read here when the
        # socket becomes readable; without one (a new master, or one that
        # was restarted) a pool worker runs it, and its result comes on
        # ``out``.  Replies still due when the outcome is known or the
        # deadline passed are read by a pool worker, in the background.
        results: list[Any] = [PENDING] * count
        out: queue.SimpleQueue[tuple[int, Any]] = queue.SimpleQueue()
        deadline = time.monotonic() + self.timeout
        waiting: dict[int, _Exchange] = {}
        handles: dict[int, _Pooled] = {}
        for index, master in enumerate(masters):
            started = master.start(index, self._request(index), out, self.timeout, self.cleanup)
            if isinstance(started, _Exchange):
                waiting[index] = started
            elif isinstance(started, _Pooled):
                handles[index] = started
            else:
                results[index] = started
        pooled = len(handles)
        with selectors.DefaultSelector() as selector:
            for index, exchange in waiting.items():
                selector.register(exchange.socket, selectors.EVENT_READ, index)
            while waiting or pooled:
                if self.decided is not None and self.decided(results):
                    # The other replies are usually a moment away: read those
                    # that come within GRACE, so that a cleanup to come need
                    # not wait for them (see Master.start).
                    grace = min(deadline, time.monotonic() + self.GRACE)
                    while waiting and (remaining := grace - time.monotonic()) > 0:
                        for key, _ in selector.select(remaining):
                            self._read(key, waiting, results, selector)
                    break
                # Past the deadline one last pass takes the replies already
                # there (this thread may have been descheduled for long).
                remaining = max(deadline - time.monotonic(), 0.0)
                if waiting:
                    # with pool results due too, look at ``out`` every POLL s
                    for key, _ in selector.select(min(remaining, self.POLL) if pooled else remaining):
                        self._read(key, waiting, results, selector)
                # blocking for the first one only when nothing else is due
                # and the outcome is still open
                decided = self.decided is not None and self.decided(results)
                block = 0.0 if waiting or decided else remaining
                while pooled:
                    try:
                        index, result = out.get(timeout=block)
                    except queue.Empty:
                        break
                    results[index], pooled, block = result, pooled - 1, 0.0
                    del handles[index]
                if remaining == 0:
                    for index, master in enumerate(masters):
                        if results[index] is PENDING:
                            master.mark_suspect()
                            results[index] = MasterUnavailable(f'no answer within {self.timeout} s')
                    break
        for exchange in waiting.values():
            exchange.finish_in_background()
        for index, handle in handles.items():
            masters[index].leave_behind(handle)
        return results

    @staticmethod
    def _read(
        key: selectors.SelectorKey, waiting: dict[int, _Exchange], results: list[Any], selector: selectors.BaseSelector
    ) -> None:
        index = key.data
        result = waiting[index].read()
        if result is not PENDING:  # (PENDING: it sent EVAL after NOSCRIPT)
            results[index] = result
            selector.unregister(key.fileobj)
            del waiting[index]

    async def run_async(self, client: Any) -> list[Any]:
        clients = self._chosen(client)
        results: list[Any] = [PENDING] * len(clients)
        tasks = {
            asyncio.ensure_future(self._call(master, self._request(index))): index
            for index, master in enumerate(clients)
        }
        pending = set(tasks)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        try:
            while pending:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    for task in pending:  # past the deadline, as on the blocking front
                        health = _async_health.get(clients[tasks[task]])
                        if health is not None:
                            health.suspect = True
                        results[tasks[task]] = MasterUnavailable(f'no answer within {self.timeout} s')
                    break
                done, pending = await asyncio.wait(pending, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    results[tasks[task]] = _outcome(task)
                if pending and self.decided is not None and self.decided(results):
                    break
        finally:
            # Past a decision or the deadline (or when the caller is
            # cancelled) the calls go on, within a socket timeout more, as
            # the blocking front's do; a later cleanup to the same master
            # waits for them.
            for task in pending:
                _leave_behind(clients[tasks[task]], task)
        return results

    async def _call(self, client: Any, request: Request) -> Any:
        health = _async_health.get(client)
        if health is None:
            health = _async_health[client] = Health()
        # a cleanup goes after the calls it may undo (see the class docstring)
        after = list(_async_behind.get(client, ())) if self.cleanup else []
        bound = self.timeout + max(SOCKET_TIMEOUT, self.timeout)
        if health.admit(self.timeout):
            return await self._send(client, request, health, bound, after)
        if not (self.cleanup and health.admit_cleanup()):
            raise MasterUnavailable(f'{client!r} is not answering')
        _leave_behind(client, asyncio.ensure_future(self._send(client, request, health, bound, after)))
        raise MasterUnavailable(f'{client!r} is not answering: sent without waiting')

    @staticmethod
    async def _send(
        client: Any, request: Request, health: Health, timeout: float, after: list[asyncio.Future[Any]]
    ) -> Any:
        ok = False
        error: Exception | None = None
        try:
            if after:  # each ends within its own timeout
                await asyncio.wait(after)
            reply = await asyncio.wait_for(request.run_async(client), timeout)
            ok = True
            return reply
        except asyncio.TimeoutError:
            error = MasterUnavailable(f'no answer within {timeout} s')
            raise error from None
        except Exception as exc:
            error = exc
            raise
        finally:
            health.finish(ok, error)


# The health of each asyncio master (one event loop uses it: no lock).
_async_health: weakref.WeakKeyDictionary[Any, Health] = weakref.WeakKeyDictionary()
# Each asyncio master's calls still running after their fan-out returned.
_async_behind: weakref.WeakKeyDictionary[Any, set[asyncio.Future[Any]]] = weakref.WeakKeyDictionary()


def _leave_behind(client: Any, task: asyncio.Future[Any]) -> None:
    # Nobody waits for ``task`` any more: keep it until it ends, and let
    # later cleanups to ``client`` wait for it.
    background_tasks.add(task)
    task.add_done_callback(_forget)
    behind = _async_behind.setdefault(client, set())
    behind.add(task)
    task.add_done_callback(behind.discard)


# The asyncio calls still running after their fan-out returned.  The loop
# keeps only weak references to tasks: this keeps them until they finish.
background_tasks: set[asyncio.Future[Any]] = set()


def _outcome(task: asyncio.Future[Any]) -> Any:
    if task.cancelled():
        return MasterUnavailable('the call was cancelled')
    return task.exception() or task.result()


def _forget(task: asyncio.Future[Any]) -> None:
    background_tasks.discard(task)
    _outcome(task)  # retrieved: nobody waits for it any more


class Wait(Request):
    """Wait until ``event`` is set, at most ``timeout`` seconds (``None``: no bound).

    ``event`` is the front's kind (see :meth:`Quorum.event`): a
    ``threading.Event`` on the blocking front, an ``asyncio.Event`` on the
    asyncio front.  The reply is whether it was set.  No round trip.
    """

    __slots__ = ('event', 'timeout')

    def __init__(self, event: Any, timeout: float | None) -> None:
        self.event, self.timeout = event, timeout

    def run(self, client: Any) -> bool:
        return bool(self.event.wait(self.timeout))

    async def run_async(self, client: Any) -> bool:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.event.wait(), self.timeout)
        return bool(self.event.is_set())


class Listen(Request):
    """Pop one item of the list ``key`` on the ``index``-th master, waiting up to ``seconds``.

    For notifications: the reply is the item, or ``None`` when none came in
    time, when the master is suspected down (not asked then), or when the
    call failed -- the caller falls back to polling.  It bypasses the
    master's admission (a long wait there would make other calls look
    stuck); on the blocking front it runs in the calling thread, through the
    short-timeout twin, so ``seconds`` stays under :data:`SOCKET_TIMEOUT`.
    One round trip (``BLPOP``, Redis 6 or newer for fractions of seconds).
    """

    __slots__ = ('index', 'key', 'seconds')

    def __init__(self, index: int, key: str, seconds: float) -> None:
        self.index, self.key, self.seconds = index, key, min(seconds, SOCKET_TIMEOUT * 0.8)

    def run(self, client: Any) -> Any:
        master: Master = client[self.index]
        if master.suspect:
            return None
        try:
            reply = master.fast.blpop([self.key], self.seconds)
        except Exception:  # noqa: BLE001 -- a lost notification: the caller polls
            return None
        return None if reply is None else reply[1]

    async def run_async(self, client: Any) -> Any:
        master = client[self.index]
        health = _async_health.get(master)
        if health is not None and health.suspect:
            return None
        try:
            reply = await asyncio.wait_for(master.blpop([self.key], self.seconds), self.seconds + SOCKET_TIMEOUT)
        except Exception:  # noqa: BLE001 -- a lost notification: the caller polls
            return None
        return None if reply is None else reply[1]


# --- the blocking front's masters -------------------------------------------------------

_pool_lock = threading.Lock()
_pool: concurrent.futures.ThreadPoolExecutor | None = None
_pool_pid = 0


def executor() -> concurrent.futures.ThreadPoolExecutor:
    """The process-wide pool, created on first use (and again in a forked child)."""
    global _pool, _pool_pid
    pool = _pool
    if pool is not None and _pool_pid == os.getpid():
        return pool
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            # A forked child inherits the pool object but none of its threads.
            _pool = concurrent.futures.ThreadPoolExecutor(MAX_WORKERS, thread_name_prefix='pottery-quorum')
            _pool_pid = os.getpid()
        return _pool


class Health:
    """What a front knows of one master's health, shared by every primitive using it.

    So that a paused master cannot take the whole pool (blocking front) or
    cost every call its full deadline, a call fails at once, without being
    sent, when calls to the master are in flight and it is *suspect*: its
    last call timed out or a caller gave up waiting, or none of its calls
    has succeeded for longer than the caller's timeout.  Then only the calls
    already in flight probe it; the first success clears the suspicion.  At
    most :data:`MAX_INFLIGHT` calls per master are in flight.  Not
    thread-safe: the blocking front holds :attr:`Master.lock` around it.
    """

    def __init__(self) -> None:
        self.inflight = 0
        self.suspect = False
        self.progress = 0.0  # when a call last succeeded, or the master got busy

    def admit(self, timeout: float) -> bool:
        """Whether to send a call whose caller waits ``timeout`` s; counts it in flight."""
        now = time.monotonic()
        if self.inflight and (self.suspect or now - self.progress > timeout or self.inflight >= MAX_INFLIGHT):
            return False
        if not self.inflight:
            self.progress = now
        self.inflight += 1
        return True

    def admit_cleanup(self) -> bool:
        """Whether to send a cleanup that :meth:`admit` refused, not waiting for it; counts it in flight."""
        if self.inflight >= MAX_INFLIGHT:
            return False
        self.inflight += 1
        return True

    def finish(self, ok: bool, error: BaseException | None) -> None:
        """Record the end of an admitted call: a success, or its error."""
        self.inflight -= 1
        if ok:
            self.suspect = False
            self.progress = time.monotonic()
        elif isinstance(error, (RedisTimeoutError, RedisConnectionError)):
            self.suspect = True


class Master(Health):
    """One master of the blocking front: the user's client, our short-timeout twin, its health.

    The twin shares the user's connection settings (address, credentials,
    TLS, ``decode_responses``...) with a socket timeout of
    :data:`SOCKET_TIMEOUT` (or ``master_timeout`` when longer), a connect
    timeout of ``master_timeout``, and no retry after a timeout, so that a
    thread blocked on a paused master gets free again.
    """

    def __init__(self, client: Redis, master_timeout: float) -> None:
        super().__init__()
        # not the client itself: the registry maps the client to this weakly
        self.name = repr(client)
        self.socket_timeout = max(SOCKET_TIMEOUT, master_timeout)
        self.fast = _twin(client, self.socket_timeout, master_timeout)
        self.lock = threading.Lock()
        self.pid = os.getpid()
        # Connections of the twin that are ours, open, with no reply due:
        # taken out of its pool for good, so that start() can send on them.
        self.idle: list[Any] = []
        # Calls whose caller stopped waiting, still running: a cleanup
        # waits for them (see FanOut).
        self.behind: set[_Pooled] = set()

    def _admitted(self, timeout: float) -> bool:
        with self.lock:
            if self.pid != os.getpid():  # forked: the parent's calls are not ours
                self.inflight, self.suspect, self.pid, self.idle, self.behind = 0, False, os.getpid(), [], set()
            return self.admit(timeout)

    def call(self, request: Request, timeout: float) -> Any:
        """Run ``request`` in the calling thread: its reply, or its error (not raised)."""
        if not self._admitted(timeout):
            return MasterUnavailable(f'{self.name} is not answering')
        ok = False
        try:
            result = request.run(self.fast)
            ok = True
        except Exception as error:  # noqa: BLE001 -- handed to the caller, who decides
            result = error
        with self.lock:
            self.finish(ok, None if ok else result)
        return result

    def start(
        self, index: int, request: Request, out: queue.SimpleQueue[tuple[int, Any]], timeout: float, cleanup: bool
    ) -> Any:
        """Start ``request``, whose caller waits ``timeout`` s, the quickest way there is.

        A script is sent from the calling thread on an idle connection: the
        reply is an :class:`_Exchange` to read the reply from.  Otherwise a
        pool worker runs it and puts ``(index, result or error)`` on ``out``:
        the reply is its :class:`_Pooled` handle.  Or the master is suspect:
        the reply is the error; or a ``cleanup``, sent anyway, not waited for
        (see :class:`FanOut`).  Connections are made by the pool's workers only,
        so that a master that accepts connections but does not answer
        (paused) cannot stall the calling thread.
        """
        wait = self._admitted(timeout)
        if not wait:
            with self.lock:
                if not (cleanup and self.admit_cleanup()):
                    return MasterUnavailable(f'{self.name} is not answering')
            out, timeout = queue.SimpleQueue(), math.inf  # nobody waits for it
        with self.lock:
            after = list(self.behind) if cleanup else []
        if isinstance(request, Eval) and not after:
            connection = self._idle()
            if connection is not None:
                exchange = _Exchange(self, request, connection)
                error = exchange.begin()
                if error is not None:
                    return error
                if not wait:
                    exchange.finish_in_background()
                    return MasterUnavailable(f'{self.name} is not answering: sent without waiting')
                return exchange
        handle = _Pooled(after)
        try:
            executor().submit(self._run, index, request, out, time.monotonic() + timeout, handle)
        except RuntimeError as error:  # the interpreter is shutting down
            with self.lock:
                self.finish(False, error)
            return error
        if not wait:
            self.leave_behind(handle)
            return MasterUnavailable(f'{self.name} is not answering: sent without waiting')
        return handle

    def leave_behind(self, call: _Pooled) -> None:
        """The caller stopped waiting for ``call``: later cleanups wait for it."""
        with self.lock:
            if not call.done.is_set():
                self.behind.add(call)

    def settled(self, call: _Pooled) -> None:
        """``call`` finished (its outcome recorded)."""
        with self.lock:
            self.behind.discard(call)
        call.done.set()

    def _idle(self) -> Any:
        # An idle connection that is still open and has nothing to read (a
        # master that closed it, after a restart, makes it readable).
        while True:
            with self.lock:
                if not self.idle:
                    return None
                connection = self.idle.pop()
            try:
                if connection._sock is not None and not connection.can_read(timeout=0):
                    return connection
            except Exception:  # noqa: BLE001 -- closed by the master: dropped below
                pass
            self.drop(connection)

    def _run(
        self,
        index: int,
        request: Request,
        out: queue.SimpleQueue[tuple[int, Any]],
        deadline: float,
        handle: _Pooled,
    ) -> None:
        for call in handle.after:  # a cleanup: after the calls it may undo
            # (unwaited for: until they end, bounded by the socket timeout)
            call.done.wait(max(0.0, deadline - time.monotonic()) if deadline < math.inf else self.socket_timeout)
        try:
            # a cleanup is sent even when waiting took it past the deadline
            self._call_for(index, request, out, math.inf if handle.after else deadline)
        finally:
            self.settled(handle)

    def _call_for(self, index: int, request: Request, out: queue.SimpleQueue[tuple[int, Any]], deadline: float) -> None:
        ok = False
        try:
            if time.monotonic() > deadline:
                # Queued behind busy workers past the caller's deadline: the
                # caller has moved on, and a late SET NX would only get in
                # the way.
                result: Any = MasterUnavailable('not sent: the pool was busy past the deadline')
            elif isinstance(request, Eval):
                # on a connection of ours (made here), kept idle afterwards
                result = self._idle() or self._connect()
                exchange = _Exchange(self, request, result)
                if time.monotonic() > deadline:  # connecting took too long: as above
                    exchange.close(None)  # (the connection is fine: kept)
                    failed: Exception | None = MasterUnavailable('not sent: connecting took past the deadline')
                else:
                    failed = exchange.begin()  # the exchange records the outcome
                out.put((index, exchange.finish() if failed is None else failed))
                return
            else:
                result = request.run(self.fast)
                ok = True
        except Exception as error:  # noqa: BLE001 -- handed to the caller, who decides
            result = error
        with self.lock:
            self.finish(ok, None if ok else result)
        out.put((index, result))

    def drop(self, connection: Any) -> None:
        """Close a connection of ours and give it back to the twin's pool."""
        connection.disconnect()
        self.fast.connection_pool.release(connection)

    def _connect(self) -> Any:
        pool = self.fast.connection_pool
        try:
            return pool.get_connection()
        except TypeError:  # redis-py before 5.3 wants a command name
            return pool.get_connection('EVALSHA')

    def mark_suspect(self) -> None:
        with self.lock:
            self.suspect = True


class _Exchange:
    """A script sent to one master on a connection of its own, its reply not read yet.

    :meth:`close` records the call's outcome in the master's health and
    keeps the connection for the next call (or drops it after an error).
    """

    __slots__ = ('command', 'connection', 'master', 'request')

    def __init__(self, master: Master, request: Eval, connection: Any) -> None:
        self.master, self.request, self.connection = master, request, connection
        self.command: tuple[Any, ...] = ('EVALSHA', request.script.sha, len(request.keys), *request.keys, *request.args)

    @property
    def socket(self) -> Any:
        """What to wait on for the reply: the connection's socket."""
        return self.connection._sock  # redis-py has no public accessor

    def send(self) -> None:
        self.connection.send_command(*self.command)

    def begin(self) -> Exception | None:
        """Send the script: ``None``, or the error, the exchange closed."""
        try:
            self.send()
        except Exception as error:  # noqa: BLE001 -- handed to the caller, who decides
            self.close(error)
            return error
        return None

    def read(self) -> Any:
        """The reply or error, the exchange closed; :data:`PENDING` when it sent EVAL instead."""
        try:
            client: Any = self.master.fast  # parse_response is untyped upstream
            reply = client.parse_response(self.connection, self.command[0])
        except NoScriptError:
            # a master that lacks the script (new, or restarted): EVAL caches it
            self.command = ('EVAL', self.request.script.lua, *self.command[2:])
            error = self.begin()
            return PENDING if error is None else error
        except Exception as error:  # noqa: BLE001 -- handed to the caller, who decides
            self.close(error)
            return error
        self.close(None)
        return reply

    def close(self, error: Exception | None) -> None:
        """Record the outcome; keep the connection, unless the error may have left a reply due on it."""
        master = self.master
        if error is None or isinstance(error, ResponseError):
            with master.lock:
                if master.pid == os.getpid():
                    master.idle.append(self.connection)
                master.finish(error is None, error)
            return
        master.drop(self.connection)
        with master.lock:
            master.finish(False, error)

    def finish(self) -> Any:
        """Wait for the reply (within the socket timeout): the reply or error, the exchange closed."""
        while (result := self.read()) is PENDING:
            pass
        return result

    def finish_in_background(self) -> None:
        call = _Pooled()
        self.master.leave_behind(call)
        try:
            executor().submit(self._finish_behind, call)
        except RuntimeError as error:  # the interpreter is shutting down
            self.close(error)
            self.master.settled(call)

    def _finish_behind(self, call: _Pooled) -> None:
        try:
            self.finish()
        finally:
            self.master.settled(call)


class _Pooled:
    """A call run (or read) by a pool worker: ``done`` is set when it finished.

    ``after``: the calls it waits for first (a cleanup's, see :class:`FanOut`).
    """

    __slots__ = ('after', 'done')

    def __init__(self, after: Sequence[_Pooled] = ()) -> None:
        self.after = after
        self.done = threading.Event()


def _twin(client: Redis, socket_timeout: float, connect_timeout: float) -> Redis:
    # connect_timeout: connections are made in the caller's thread (see
    # FanOut), so it is bounded by how long the caller waits for an answer.
    pool = client.connection_pool
    try:
        kwargs = {
            name: value
            for name, value in pool.connection_kwargs.items()
            # redis-py 6+ bookkeeping that belongs to the original pool
            if not name.startswith('orig_') and name != 'maint_notifications_pool_handler'
        }
        own = kwargs.get('socket_timeout')
        timeout = socket_timeout if own is None else min(own, socket_timeout)
        own_connect = kwargs.get('socket_connect_timeout')
        kwargs.update(
            socket_timeout=timeout,
            socket_connect_timeout=min(connect_timeout, timeout if own_connect is None else own_connect),
            # one retry on a broken connection (a restarted master), none on
            # a timeout: every script is safe to run twice
            retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        )
        return Redis(connection_pool=ConnectionPool(connection_class=pool.connection_class, **kwargs))
    except Exception:  # noqa: BLE001 -- an exotic pool: fall back to the client itself
        return client


_registry_lock = threading.Lock()
_registry: weakref.WeakKeyDictionary[Redis, dict[float, Master]] = weakref.WeakKeyDictionary()


def _master(client: Redis, master_timeout: float) -> Master:
    # One Master per client and master timeout, shared by every primitive
    # using it, so that its health is known to all of them.
    with _registry_lock:
        by_timeout = _registry.setdefault(client, {})
        master = by_timeout.get(master_timeout)
        if master is None:
            master = by_timeout[master_timeout] = Master(client, master_timeout)
        return master


def _after_fork_in_child() -> None:
    # Threads do not survive fork(): locks they held would stay held forever,
    # and their calls in flight will never finish.
    global _pool, _pool_lock, _registry_lock, _locals_lock
    _pool, _pool_lock, _registry_lock, _locals_lock = None, threading.Lock(), threading.Lock(), threading.Lock()
    for by_timeout in list(_registry.values()):
        for master in by_timeout.values():
            master.lock = threading.Lock()
            master.inflight, master.suspect, master.pid, master.idle, master.behind = 0, False, os.getpid(), [], set()


os.register_at_fork(after_in_child=_after_fork_in_child)


# --- the front logic ---------------------------------------------------------------------


_SYNC_TYPES = (Redis,)
_ASYNC_TYPES = (redis.asyncio.Redis,)
_CLUSTERS = (RedisCluster, redis.asyncio.cluster.RedisCluster)


# A master's client type: redis.Redis (blocking) or redis.asyncio.Redis.
C = TypeVar('C')
_L = TypeVar('_L')

# What the contenders of one process (blocking front) or one event loop
# (asyncio front) share per key and masters: see Quorum.local.
_locals_lock = threading.Lock()
_thread_locals: weakref.WeakValueDictionary[tuple[Any, ...], Any] = weakref.WeakValueDictionary()
_loop_locals: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, weakref.WeakValueDictionary[tuple[Any, ...], Any]
] = weakref.WeakKeyDictionary()


class Quorum(Generic[C]):
    """The front logic of a primitive over several independent masters.

    ``masters`` is an iterable of clients (or a single client: one master),
    ``redis.Redis`` on the blocking front, ``redis.asyncio.Redis`` on the
    asyncio front; omitted (``None``), the default client is the only master.
    Duplicates count once.  The primitive's operations (see
    :mod:`pottery.command`) yield :meth:`fan_out` requests; the front runs
    them with :attr:`redis`, the masters as the fan-out reaches them.
    """

    # set by pottery.command.SyncMarker / AsyncMarker
    _asynchronous: ClassVar[bool]

    def __init__(self, masters: Iterable[C] | C | None, master_timeout: float) -> None:
        clients = self._clients_of(masters)
        self._clients: tuple[C, ...] = tuple(clients)
        self.master_timeout = master_timeout
        self.quorum = len(clients) // 2 + 1
        # What pottery.command's fronts run requests with: our masters.
        self.redis: tuple[Any, ...] = (
            self._clients if self._asynchronous else tuple(_master(client, master_timeout) for client in clients)
        )

    def _clients_of(self, masters: Any) -> list[Any]:
        kinds = _ASYNC_TYPES if self._asynchronous else _SYNC_TYPES
        name = 'redis.asyncio.Redis' if self._asynchronous else 'redis.Redis'
        if masters is None:
            return [default_async_redis() if self._asynchronous else default_redis()]
        if isinstance(masters, (*kinds, *_CLUSTERS)):
            masters = (masters,)  # one client: one master
        try:
            given = list(masters)
        except TypeError:
            raise TypeError(f'masters must be an iterable of {name} clients, not {type(masters).__name__}') from None
        unique: dict[int, Any] = {}
        for client in given:
            if isinstance(client, _CLUSTERS):
                # one logical store, and our scripts touch keys in different slots
                raise TypeError(f'masters must be independent {name} servers, not a Redis Cluster')
            if not isinstance(client, kinds):
                raise TypeError(f'masters must be {name} clients, not {type(client).__name__}')
            unique.setdefault(id(client), client)
        if not unique:
            raise ValueError('masters is empty: pass at least one client, or omit masters for the default client')
        return list(unique.values())

    def designated(self) -> int:
        """The index of the master with the first address in sorted order.

        Every client of the same masters, in any process and in any order,
        designates the same one.  No round trip.
        """

        def address(client: Any) -> str:
            kwargs = getattr(getattr(client, 'connection_pool', None), 'connection_kwargs', {})
            where = kwargs.get('path') or f'{kwargs.get("host")}:{kwargs.get("port")}'
            return f'{where}/{kwargs.get("db", 0)}'

        addresses = [address(client) for client in self._clients]
        return addresses.index(min(addresses))

    @property
    def masters(self) -> tuple[C, ...]:
        """The masters' clients."""
        return self._clients

    def fan_out(
        self,
        request: Request | Sequence[Request],
        decided: Callable[[list[Any]], bool] | None = None,
        only: Sequence[int] | None = None,
        cleanup: bool = False,
    ) -> FanOut:
        """The request that sends ``request`` (or one per master) to the masters (see :class:`FanOut`)."""
        return FanOut(request, self.master_timeout, decided, only, cleanup)

    def event(self) -> Any:
        """A new event of this front: ``threading.Event`` or ``asyncio.Event`` (see :class:`Wait`)."""
        return asyncio.Event() if self._asynchronous else threading.Event()

    def local(self, name: tuple[Any, ...], factory: Callable[[], _L]) -> _L:
        """The one object, made by ``factory``, that coordinates the contenders for ``name`` here.

        "Here" is this process on the blocking front, the running event loop
        on the asyncio front; ``name`` is completed with the masters, so that
        primitives over other masters do not share it.  The object lives as
        long as somebody holds it: the caller keeps a reference while it
        matters.  No round trip.
        """
        full = (*name, *sorted(id(master) for master in self.redis))
        with _locals_lock:
            if self._asynchronous:
                table = _loop_locals.setdefault(asyncio.get_running_loop(), weakref.WeakValueDictionary())
            else:
                # the pid: a forked child must not inherit its parent's waiters
                table, full = _thread_locals, (os.getpid(), *full)
            found: _L | None = table.get(full)
            if found is None:
                found = table[full] = factory()
            return found

    def _translate(self, error: Exception) -> Exception:
        # Masters' errors arrive as fan-out results, judged by the operation.
        return error

    async def _settle(self) -> None:
        """Nothing to finish: constructors here write nothing."""

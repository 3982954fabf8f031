"""RedisSimpleQueue: queue.SimpleQueue's contract, pottery 3.x's layout, and delivery to one consumer."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import redis as redis_py
from redis.cluster import RedisCluster

import pottery
from pottery import PotteryError, QueueEmptyError, RedisSimpleQueue, WrongRedisTypeError
from pottery.queue import socket_timeout
from tests.fronts import ASYNC, Api, wait
from tests.servers import RedisServer, ServerCluster

# Upper bound for a get() a test expects to succeed: it only guards against a
# hang if the promise under test is broken (the test fails instead of timing out).
PATIENCE = 60


def until(predicate: Callable[[], bool]) -> None:
    """Wait until ``predicate()`` holds (it reads the server's state)."""
    deadline = time.monotonic() + PATIENCE
    while not predicate():
        assert time.monotonic() < deadline, 'the server never reached the expected state'
        time.sleep(0.01)


def test_empty_error_is_pottery_and_queue_empty() -> None:
    assert issubclass(QueueEmptyError, PotteryError)
    assert issubclass(QueueEmptyError, queue.Empty)
    assert pottery.QueueEmptyError is QueueEmptyError


# --- the SimpleQueue contract, on both fronts -----------------------------------------


def test_fifo_and_sizes(any_redis: Any, api: Api) -> None:
    q = api.RedisSimpleQueue(redis=any_redis, key='q')
    assert q.empty() is True
    assert q.qsize() == 0
    items = [1, 'two', {'three': [3]}, None, 4.5, True]
    for item in items[:3]:
        assert q.put(item) is None
    q.put_nowait(items[3])
    q.put(items[4], block=False)
    q.put(items[5], timeout=1)
    assert q.qsize() == len(items)
    assert q.empty() is False
    got = [q.get(), q.get_nowait(), q.get(block=False), q.get(timeout=0), q.get(timeout=1), q.get(True, None)]
    assert got == items
    assert q.qsize() == 0
    assert q.empty() is True


def test_get_on_empty_raises_queue_empty(any_redis: Any, api: Api) -> None:
    q = api.RedisSimpleQueue(redis=any_redis, key='q')
    for get in (q.get_nowait, lambda: q.get(block=False), lambda: q.get(timeout=0), lambda: q.get(timeout=0.01)):
        with pytest.raises(queue.Empty) as caught:
            get()
        assert isinstance(caught.value, QueueEmptyError)
        assert caught.value.key == 'q'
    # As queue.SimpleQueue: a negative timeout is refused when blocking, ignored otherwise.
    with pytest.raises(ValueError, match="'timeout' must be a non-negative number"):
        q.get(timeout=-1)
    with pytest.raises(QueueEmptyError):
        q.get(block=False, timeout=-1)


def test_unencodable_item_writes_nothing(any_redis: Any, api: Api) -> None:
    q = api.RedisSimpleQueue(redis=any_redis, key='q')
    with pytest.raises(TypeError, match='not JSON serializable'):
        q.put(object())
    assert not any_redis.exists('q')


def test_layout_is_pottery_3s(any_redis: Any, api: Api) -> None:
    q = api.RedisSimpleQueue(redis=any_redis, key='q')
    q.put({'b': 1, 'a': [2]})
    q.put('x')
    assert any_redis.type('q') == b'stream'
    entries = any_redis.xrange('q')
    assert [fields for _, fields in entries] == [{b'item': b'{"a": [2], "b": 1}'}, {b'item': b'"x"'}]
    # An entry added by pottery 3.x (or anyone using the layout) is an item.
    any_redis.xadd('q', {'item': json.dumps([1, 2])})
    assert [q.get(), q.get(), q.get()] == [{'a': [2], 'b': 1}, 'x', [1, 2]]
    assert any_redis.xlen('q') == 0


def test_round_trips(any_redis: Any, api: Api, round_trips: Callable[[], Any]) -> None:
    q = api.RedisSimpleQueue(redis=any_redis, key='q')
    q.put(0)  # warm up the connection
    q.get()
    steps = {
        'put': lambda: q.put(1),
        'put_nowait': lambda: q.put_nowait(2),
        'qsize': q.qsize,
        'empty': q.empty,
        'get': q.get,
        'get_nowait': q.get_nowait,
    }
    for name, step in steps.items():
        with round_trips() as trips:
            step()
        assert trips.count == 1, name
    with round_trips() as trips, pytest.raises(QueueEmptyError):
        q.get(block=False)
    assert trips.count == 1


def test_wrong_redis_type(any_redis: Any, api: Api) -> None:
    any_redis.set('q', 'x')
    q = api.RedisSimpleQueue(redis=any_redis, key='q')
    for action in (
        lambda: q.put(1),
        lambda: q.put_nowait(1),
        q.get,
        lambda: q.get(timeout=1),
        q.get_nowait,
        q.qsize,
        q.empty,
    ):
        with pytest.raises(WrongRedisTypeError, match='stream'):
            action()
    assert any_redis.get('q') == b'x'


def test_clear(any_redis: Any, api: Api) -> None:
    q = api.RedisSimpleQueue(redis=any_redis, key='q')
    q.put(1)
    q.clear()
    assert q.empty()
    assert not any_redis.exists('q')
    q.put(2)
    assert q.get() == 2


def test_sync_and_async_share_a_queue(any_redis: Any) -> None:
    sync: RedisSimpleQueue[int] = RedisSimpleQueue(redis=any_redis, key='q')
    asynchronous = ASYNC.RedisSimpleQueue(redis=any_redis, key='q')
    sync.put(1)
    asynchronous.put(2)
    assert (asynchronous.get(), sync.get()) == (1, 2)


# --- waiting on the server ---------------------------------------------------------------


def _xread_calls(client: redis_py.Redis) -> int:
    stats = client.info('commandstats').get('cmdstat_xread', {})
    return int(stats.get('calls', 0))


def _blocked_on_xread(client: redis_py.Redis) -> bool:
    return any(entry['cmd'] == 'xread' and 'b' in entry['flags'] for entry in client.client_list())


def _get_in_thread(q: Any, **kwargs: Any) -> tuple[threading.Thread, list[Any]]:
    results: list[Any] = []

    def consume() -> None:
        try:
            results.append(q.get(**kwargs))
        except Exception as error:  # noqa: BLE001 -- reported to the test thread
            results.append(error)

    thread = threading.Thread(target=consume)
    thread.start()
    return thread, results


def test_get_waits_on_the_server(redis: redis_py.Redis, api: Api) -> None:
    q = api.RedisSimpleQueue(redis=redis, key='q')
    thread, results = _get_in_thread(q, timeout=PATIENCE)
    until(lambda: _blocked_on_xread(redis))  # a blocked command, not a polling loop
    q.put('wake up')
    thread.join()
    assert results == ['wake up']
    assert q.empty()


def test_wait_longer_than_the_socket_timeout(redis_server: RedisServer, redis: redis_py.Redis, api: Api) -> None:
    # A blocked read longer than the socket timeout would fail with
    # TimeoutError; the wait is split into server waits that fit in it.
    client = redis_server.client(socket_timeout=0.2)
    q = api.RedisSimpleQueue(redis=client, key='q')
    before = _xread_calls(redis)
    thread, results = _get_in_thread(q)  # no timeout: waits as long as it takes
    until(lambda: _xread_calls(redis) >= before + 3)  # waited through several server waits
    q.put('late')
    thread.join()
    assert results == ['late']


def test_socket_timeout_of_each_client_kind(redis_server: RedisServer, redis_cluster: RedisCluster) -> None:
    assert socket_timeout(redis_server.client(socket_timeout=3)) == 3
    assert socket_timeout(redis_py.Redis(socket_timeout=None)) is None
    assert socket_timeout(redis_cluster) == 10
    for client in (redis_server.client(socket_timeout=3), redis_cluster):
        assert socket_timeout(ASYNC.client(client)) == socket_timeout(client)


def test_waiting_consumers_each_get_one_item(any_redis: Any, api: Api) -> None:
    q = api.RedisSimpleQueue(redis=any_redis, key='q')
    consumers = [_get_in_thread(q, timeout=PATIENCE) for _ in range(4)]
    for item in range(4):
        q.put(item)
    for thread, _ in consumers:
        thread.join()
    assert sorted(result for _, results in consumers for result in results) == [0, 1, 2, 3]


# --- asyncio only ------------------------------------------------------------------------------


def test_async_concurrent_coroutines_lose_nothing(redis: redis_py.Redis) -> None:
    # Standalone only: each coroutine holds a connection, and an asyncio
    # cluster client refuses a 101st connection to a node (MaxConnectionsError).
    client = ASYNC.client(redis)

    async def main() -> list[Any]:
        q: Any = pottery.asyncio.RedisSimpleQueue(redis=client, key='q')
        waiting = [asyncio.ensure_future(q.get(timeout=PATIENCE)) for _ in range(50)]
        await asyncio.gather(*(q.put(n) for n in range(200)))
        taken = await asyncio.gather(*(q.get() for _ in range(150)))
        return [*await asyncio.gather(*waiting), *taken]

    assert sorted(wait(main())) == list(range(200))
    assert redis.xlen('q') == 0


def test_async_cancelled_wait_takes_nothing(redis: redis_py.Redis) -> None:
    client = ASYNC.client(redis)

    async def main() -> Any:
        q: Any = pottery.asyncio.RedisSimpleQueue(redis=client, key='q')
        waiter = asyncio.ensure_future(q.get())
        while not _blocked_on_xread(redis):
            # A get() that failed never blocks: show why instead of waiting
            # for the test's timeout.
            if waiter.done():
                return waiter.result()
            await asyncio.sleep(0.01)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        await q.put('kept')
        return await q.get_nowait()

    assert wait(main()) == 'kept'


# --- sync front only ------------------------------------------------------------------------------


def test_repr_is_cheap(redis: redis_py.Redis, round_trips: Callable[[], Any]) -> None:
    q: RedisSimpleQueue[int] = RedisSimpleQueue(redis=redis, key='jobs')
    with round_trips() as trips:
        assert repr(q) == '<RedisSimpleQueue key=jobs>'
    assert trips.count == 0


def test_temporary_queue_is_deleted(redis: redis_py.Redis) -> None:
    q: RedisSimpleQueue[int] = RedisSimpleQueue(redis=redis)
    q.put(1)
    key = q.key
    assert key.startswith('pottery:')
    del q
    until(lambda: not redis.exists(key))


# --- several processes ---------------------------------------------------------------------------

ITEMS_PER_PRODUCER = 150
PRODUCERS = 2
CONSUMERS = 4


def _client(url: str, clustered: bool) -> Any:
    return RedisCluster.from_url(url) if clustered else redis_py.Redis.from_url(url)


def _produce(url: str, clustered: bool, producer: int) -> None:
    q: RedisSimpleQueue[Any] = RedisSimpleQueue(redis=_client(url, clustered), key='jobs')
    for n in range(ITEMS_PER_PRODUCER):
        q.put([producer, n])


def _consume(url: str, clustered: bool) -> list[Any]:
    q: RedisSimpleQueue[Any] = RedisSimpleQueue(redis=_client(url, clustered), key='jobs')
    taken = []
    while (item := q.get(timeout=PATIENCE)) is not None:
        taken.append(item)
    return taken


@pytest.mark.parametrize('deployment', ['standalone', 'cluster'])
def test_processes_get_every_item_once_in_order(deployment: str, request: pytest.FixtureRequest) -> None:
    if deployment == 'cluster':
        cluster: ServerCluster = request.getfixturevalue('server_cluster')
        request.getfixturevalue('redis_cluster')  # flushed
        url, clustered = f'redis://127.0.0.1:{cluster.servers[0].port}', True
    else:
        url, clustered = request.getfixturevalue('redis_server').url, False
        request.getfixturevalue('redis')  # flushed
    with multiprocessing.get_context('spawn').Pool(PRODUCERS + CONSUMERS) as pool:
        consumers = [pool.apply_async(_consume, (url, clustered)) for _ in range(CONSUMERS)]
        pool.starmap(_produce, [(url, clustered, p) for p in range(PRODUCERS)])
        q: RedisSimpleQueue[Any] = RedisSimpleQueue(redis=_client(url, clustered), key='jobs')
        for _ in range(CONSUMERS):
            q.put(None)  # after every item: each consumer stops at one
        results = [consumer.get() for consumer in consumers]
    taken = [tuple(item) for result in results for item in result]
    # nothing lost, nothing twice
    assert sorted(taken) == [(p, n) for p in range(PRODUCERS) for n in range(ITEMS_PER_PRODUCER)]
    # FIFO across processes: each consumer saw each producer's items in order
    for result in results:
        for p in range(PRODUCERS):
            mine = [n for producer, n in result if producer == p]
            assert mine == sorted(mine)

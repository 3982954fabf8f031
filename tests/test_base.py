"""Base: codec, default client, temporary keys and the json.dumps hook."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import time
from typing import Any

import pytest
import redis as redis_py
from hypothesis import given
from hypothesis import strategies as st

from pottery import RedisDict, base
from pottery.base import decode, decode_key, decode_keys, decode_many, encode, encode_key
from tests.servers import RedisServer

hashables = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=4)),
    lambda inner: st.tuples(inner, inner),
    max_leaves=6,
)


@given(hashables, hashables)
def test_equal_keys_encode_equal(a: Any, b: Any) -> None:
    # The Redis field is the same exactly when Python's dict sees one key.
    assert (encode_key(a) == encode_key(b)) == ({a: 0} == {b: 0} and a == b)


@given(hashables)
def test_keys_round_trip(item: Any) -> None:
    assert decode_key(encode_key(item)) == item
    assert decode_keys([encode_key(item)]) == [item]


def test_layout_is_sorted_json() -> None:
    assert encode({'b': 1, 'a': (1, 2)}) == '{"a": [1, 2], "b": 1}'
    assert encode_key('jack') == '"jack"'
    assert decode(b'{"a": 1}') == {'a': 1}
    assert decode_many([b'1', '"x"', b'[1]']) == [1, 'x', [1]]
    with pytest.raises(TypeError, match="unhashable type: 'list'"):
        encode_key([1])
    with pytest.raises(TypeError, match='not JSON serializable'):
        encode(object())


def test_json_dumps_hook_changes_nothing_else(redis: redis_py.Redis) -> None:
    d = RedisDict({'a': [1, 2]}, redis=redis)
    assert json.dumps(d) == '{"a": [1, 2]}'
    assert json.dumps({'x': d}, sort_keys=True) == '{"x": {"a": [1, 2]}}'
    for bad in (object(), {1, 2}, b'bytes'):
        with pytest.raises(TypeError, match='is not JSON serializable'):
            json.dumps(bad)
    assert json.dumps({'a': 1.5, 'b': None}) == '{"a": 1.5, "b": null}'
    assert json.dumps(object(), default=lambda o: 'custom') == '"custom"'


def test_default_client_is_lazy_and_reads_redis_url(redis_server: RedisServer, monkeypatch: Any) -> None:
    code = 'import pottery.base as b, pottery; print(b._default_client is None)'
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == 'True'  # importing creates no client
    monkeypatch.setattr(base, '_default_client', None)
    monkeypatch.setenv('REDIS_URL', redis_server.url)
    d: RedisDict[str, int] = RedisDict(key='via-url')
    d['a'] = 1
    assert redis_py.Redis.from_url(redis_server.url).hget('via-url', '"a"') == b'1'
    assert base.default_redis() is d.redis


def _wait_gone(client: redis_py.Redis, key: str) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if not client.exists(key):
            return True
        time.sleep(0.02)
    return False


def test_temporary_key_deleted_after_gc(redis: redis_py.Redis) -> None:
    d = RedisDict({'a': 1}, redis=redis)
    key = d.key
    assert key.startswith('pottery:') and len(key) == len('pottery:') + 36
    assert redis.exists(key)
    del d
    gc.collect()
    assert _wait_gone(redis, key)


def test_named_key_survives_gc(redis: redis_py.Redis) -> None:
    d = RedisDict({'a': 1}, redis=redis, key='named')
    del d
    gc.collect()
    time.sleep(0.1)
    assert redis.exists('named')


def test_temporary_key_deleted_at_exit(redis_server: RedisServer, redis: redis_py.Redis) -> None:
    code = (
        'import redis, pottery\n'
        f'd = pottery.RedisDict({{"a": 1}}, redis=redis.Redis.from_url("{redis_server.url}"))\n'
        'print(d.key)\n'
    )
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True, timeout=30)
    assert not redis.exists(out.stdout.strip())


@pytest.mark.skipif(not hasattr(os, 'fork'), reason='needs fork')
def test_forked_child_does_not_delete_parents_key(redis: redis_py.Redis) -> None:
    d = RedisDict({'a': 1}, redis=redis)
    pid = os.fork()
    if pid == 0:  # child: drop its copy and exit through the normal path
        del d
        gc.collect()
        base._drain_at_exit()
        os._exit(0)
    os.waitpid(pid, 0)
    assert redis.exists(d.key)

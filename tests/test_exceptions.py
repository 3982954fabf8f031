"""The exception and warning names of pottery 3.x, their bases and reprs."""

from __future__ import annotations

import json

import pytest
import redis as redis_py

import pottery
from pottery import (
    ExtendUnlockedLock,
    InefficientAccessWarning,
    KeyExistsError,
    PotteryEncoder,
    PotteryError,
    PotteryWarning,
    PrimitiveError,
    QuorumIsImpossible,
    QuorumNotAchieved,
    RedisCounter,
    RedisDict,
    RedisList,
    ReleaseUnlockedLock,
    TooManyExtensions,
)

# Each class and the bases it must have: pottery 3.0.1's, and ours before.
BASES = [
    (PrimitiveError, (PotteryError,)),
    (QuorumNotAchieved, (PrimitiveError, RuntimeError)),
    (QuorumIsImpossible, (QuorumNotAchieved, PrimitiveError, RuntimeError)),
    (TooManyExtensions, (PrimitiveError, RuntimeError)),
    (ExtendUnlockedLock, (PrimitiveError, RuntimeError)),
    (ReleaseUnlockedLock, (PrimitiveError, RuntimeError)),
    (PotteryWarning, (Warning,)),
    (InefficientAccessWarning, (PotteryWarning, Warning)),
    (PotteryEncoder, (json.JSONEncoder,)),
]


@pytest.mark.parametrize(('cls', 'bases'), BASES, ids=lambda x: getattr(x, '__name__', ''))
def test_bases(cls: type, bases: tuple[type, ...]) -> None:
    assert all(issubclass(cls, base) for base in bases)
    assert cls.__name__ in pottery.__all__
    assert getattr(pottery, cls.__name__) is cls


def test_primitive_errors_are_pottery_errors() -> None:
    for cls in (QuorumNotAchieved, QuorumIsImpossible, TooManyExtensions, ExtendUnlockedLock, ReleaseUnlockedLock):
        assert issubclass(cls, PotteryError)


def test_key_error_repr_is_dataclass_style(redis: redis_py.Redis) -> None:
    error = KeyExistsError(redis, 'pottery:tel')
    assert repr(error) == f"KeyExistsError(redis={redis!r}, key='pottery:tel')"
    assert str(error) == "key='pottery:tel'"


def test_repr_names_the_message_when_there_is_one() -> None:
    error = KeyExistsError(None, 'tel', 'initial contents given for a key that exists')
    assert (
        repr(error) == "KeyExistsError(redis=None, key='tel', message='initial contents given for a key that exists')"
    )


def test_primitive_error_repr_and_masters(redis: redis_py.Redis) -> None:
    masters = frozenset({redis})
    error = ReleaseUnlockedLock(masters, 'redlock:printer')
    assert repr(error) == f"ReleaseUnlockedLock(key='redlock:printer', masters={masters!r}, redis_errors=[])"
    assert error.masters is error.redis is masters


def test_primitive_error_takes_pottery_3_keywords() -> None:
    failure = ConnectionError('down')
    error = QuorumNotAchieved(key='k', masters=frozenset(), redis_errors=[failure])
    assert (error.key, error.masters, error.redis_errors) == ('k', frozenset(), [failure])
    assert repr(error) == "QuorumNotAchieved(key='k', masters=frozenset(), redis_errors=[ConnectionError('down')])"


def test_encoder_encodes_containers(redis: redis_py.Redis) -> None:
    d = RedisDict({'a': [1, 2]}, redis=redis, key='d')
    lst = RedisList([1, 'x'], redis=redis, key='l')
    c = RedisCounter('aab', redis=redis, key='c')
    text = json.dumps({'d': d, 'l': lst, 'c': c}, cls=PotteryEncoder, sort_keys=True)
    assert json.loads(text) == {'d': {'a': [1, 2]}, 'l': [1, 'x'], 'c': {'a': 2, 'b': 1}}


def test_encoder_changes_nothing_else() -> None:
    assert json.dumps({'a': 1.5, 'b': None}, cls=PotteryEncoder) == '{"a": 1.5, "b": null}'
    for bad in (object(), {1, 2}, b'bytes'):
        with pytest.raises(TypeError, match='is not JSON serializable'):
            json.dumps(bad, cls=PotteryEncoder)

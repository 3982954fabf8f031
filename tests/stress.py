"""Run the test suite several times on a busy machine: ``make test-stress N=10``.

A suite that passes only on a quiet machine hides tests that assert what a
quiet machine happens to produce (a 120 ms timeout, contiguous IDs, ...)
instead of what the code promises.  This runs the suite ``--runs`` times
while ``--burners`` processes spin on the CPU, prints one line per run, and
stops at the first failing run with that run's whole output.

The burners are started here and always stopped when this ends -- on
success, failure, Ctrl-C or SIGTERM -- and each one also exits by itself
once this process is gone (even after a SIGKILL), so none outlives it.

    python -m tests.stress --runs 5 --burners 2 [-- PYTEST_ARGS...]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from tests.servers import PIDS_ENV

ROOT = Path(__file__).resolve().parent.parent

# Spins until its parent (this runner) is gone: a burner must not outlive us,
# whatever kills us.
BURN = """
import os, sys
parent = int(sys.argv[1])
while os.getppid() == parent:
    for _ in range(200_000):
        pass
"""


@contextlib.contextmanager
def burners(count: int) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``count`` CPU-burning processes, stopped (by PID) on the way out."""
    started: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(count):
            # a session of their own: a Ctrl-C in the terminal is ours to handle
            started.append(subprocess.Popen([sys.executable, '-c', BURN, str(os.getpid())], start_new_session=True))
        yield started
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
        for process in started:
            process.wait()


class Interrupted(Exception):
    """SIGTERM or SIGINT: stop the run in progress and clean up."""


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # Once: a second Ctrl-C must not cut the clean-up short.
    for each in (signal.SIGINT, signal.SIGTERM):
        signal.signal(each, signal.SIG_IGN)
    raise Interrupted(signal.Signals(signum).name)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a pytest run -- it and its xdist workers -- so that they still stop their redis-servers.

    The run is a process group of its own (see :func:`run_suite`): SIGINT goes
    to every process in it, so each worker ends its session and its atexit
    hook kills the redis-servers it started (a worker killed outright by its
    parent would orphan them).  SIGKILL is the last resort, after a grace.
    """
    for signum, grace in ((signal.SIGINT, 60), (signal.SIGKILL, None)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signum)
        try:
            process.wait(grace)
            return
        except subprocess.TimeoutExpired:
            continue


def kill_leftover_servers(pids: Path) -> int:
    """Kill the redis-servers a run recorded and did not stop; return how many.

    A test process killed before its atexit hook ran leaves its servers
    running (they are in sessions of their own); :mod:`tests.servers`
    records each live one as a file named by its PID.  A PID is killed only
    if it still runs the recorded binary (PIDs are reused).
    """
    killed = 0
    for record in pids.iterdir():
        binary = record.read_text()
        with contextlib.suppress(OSError, ValueError):
            if Path(f'/proc/{record.name}/exe').resolve() == Path(binary).resolve():
                os.kill(int(record.name), signal.SIGKILL)
                killed += 1
        record.unlink()
    return killed


def run_suite(pytest_args: list[str], log: Path, pids: Path) -> tuple[int, float]:
    """Run pytest once with its output in ``log``; return (exit code, seconds).

    Whatever happens, no redis-server of the run survives it (see
    :func:`kill_leftover_servers`).
    """
    start = time.monotonic()
    pids.mkdir(exist_ok=True)
    with log.open('wb') as out:
        process = subprocess.Popen(
            [sys.executable, '-m', 'pytest', *pytest_args],
            env={**os.environ, PIDS_ENV: str(pids)},
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            # a group of its own, with its workers: stop() signals them all,
            # and a Ctrl-C in the terminal reaches only us
            start_new_session=True,
        )
        try:
            code = process.wait()
        except Interrupted:
            stop(process)
            raise
        finally:
            leftovers = kill_leftover_servers(pids)
            if leftovers:
                print(f'killed {leftovers} redis-servers the run left behind', flush=True)
    return code, time.monotonic() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog='python -m tests.stress', description=__doc__.split('\n')[0] if __doc__ else None
    )
    parser.add_argument('--runs', type=int, default=5, help='how many times to run the suite (default %(default)s)')
    parser.add_argument('--burners', type=int, default=2, help='CPU-burning processes (default %(default)s)')
    parser.add_argument('pytest_args', nargs='*', help='passed to pytest (after --)')
    args = parser.parse_args(argv)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupt)
    logs = Path(tempfile.mkdtemp(prefix='pottery-stress-'))
    pytest_args = ['-q', *args.pytest_args]
    try:
        with burners(args.burners):
            print(f'{args.burners} CPU burners running; logs in {logs}', flush=True)
            for run in range(1, args.runs + 1):
                log = logs / f'run-{run}.log'
                code, seconds = run_suite(pytest_args, log, logs / 'pids')
                if code != 0:
                    print(f'run {run}/{args.runs} FAILED (exit {code}) in {seconds:.0f} s; its output:', flush=True)
                    sys.stdout.write(log.read_text(errors='replace'))
                    print(f'run {run}/{args.runs} FAILED; output kept in {log}', flush=True)
                    return 1
                print(f'run {run}/{args.runs} passed in {seconds:.0f} s', flush=True)
    except Interrupted as interrupted:
        print(f'stopped by {interrupted}; burners stopped', flush=True)
        return 130
    print(f'all {args.runs} runs passed with {args.burners} CPU burners', flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())

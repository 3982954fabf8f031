"""``make demo``: run every README example against a throwaway redis-server.

Starts redis-server on a free loopback port, runs each README section's
examples as a doctest, and stops the server.  Prints one line per section
(how many examples ran, how many failed), then each failure in full.  Exits
non-zero if any example fails.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.examples import README, run_section, sections
from tests.servers import RedisServer


def main() -> int:
    server = RedisServer().start()
    print(f'Started a throwaway redis-server at {server.url}; the examples use it.\n')
    failures: list[str] = []
    failed = attempted = 0
    try:
        for title in sections(README):
            report: list[str] = []
            result = run_section(title, server.url, out=report.append)
            failed += result.failed
            attempted += result.attempted
            verdict = f'{result.failed} failed' if result.failed else 'ok'
            print(f'{title:<28} {result.attempted:>3} examples  {verdict}', flush=True)
            failures += report
    finally:
        server.stop()
    print(f'\n{attempted} examples run, {failed} failed.')
    if failures:
        print('\nFailures:\n' + ''.join(failures), end='')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())

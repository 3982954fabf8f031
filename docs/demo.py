"""``make demo``: run every README example against a throwaway redis-server.

Starts redis-server on a free loopback port, runs each README section's
examples as a doctest (printing every example and its result), and stops the
server.  Exits non-zero if any example fails.
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
    failed = attempted = 0
    try:
        for title in sections(README):
            print(f'\n===== {title} =====')
            result = run_section(title, server.url, verbose=True)
            failed += result.failed
            attempted += result.attempted
    finally:
        server.stop()
        print(f'\nStopped the redis-server at {server.url}.')
    print(f'{attempted} examples run, {failed} failed.')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())

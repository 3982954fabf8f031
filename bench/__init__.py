"""pottery's benchmark: round trips and speed per operation.

``python -m bench [--quick] [--compare] [--sizes N ...] [--ops PATTERN ...]``

For every operation (see :mod:`bench.ops`) the bench runs pottery's
implementation and raw redis-py doing the same job in the fewest round trips,
interleaved in the same run against redis-servers it starts itself, and
reports the median time, the exact number of round trips and the ratio to raw.
With ``--compare`` it also runs the same operations against ``pottery==3.0.1``
from PyPI in a separate virtualenv (see :mod:`bench.compare`).  Then it runs
Redlock and NextId under contention -- many threads and processes on one
key of five masters, beside pottery 3.0.1 with ``--compare`` (see
:mod:`bench.contention`).

Nothing here imports ``pottery`` at import time: the same modules run in the
pottery-3.0.1 subprocess, where ``import pottery`` means that version.
"""

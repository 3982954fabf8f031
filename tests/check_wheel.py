"""``make dist``: check that the wheel holds every module of the source tree.

Run by the Python of a scratch virtualenv that has only the wheel installed,
in isolated mode (``python -I``), so that ``pottery`` is the wheel's and not
the source tree's.  Imports every module found under the source tree's
pottery/, and checks the ``py.typed`` marker: a subpackage left out of the
package list fails here rather than for the first user of the release.

    python -I tests/check_wheel.py path/to/source/pottery
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pottery


def main(source: Path) -> None:
    installed = Path(pottery.__file__).resolve().parent
    if installed == source.resolve():
        sys.exit(f'pottery was imported from the source tree ({source}), not from the wheel')
    names = sorted(
        '.'.join(path.relative_to(source.parent).with_suffix('').parts).removesuffix('.__init__')
        for path in source.rglob('*.py')
    )
    for name in names:
        importlib.import_module(name)
    if not (installed / 'py.typed').is_file():
        sys.exit('the wheel has no pottery/py.typed: type checkers would ignore its annotations')
    print(f'The wheel installs all {len(names)} modules of pottery/ and py.typed.')


if __name__ == '__main__':
    main(Path(sys.argv[1]))

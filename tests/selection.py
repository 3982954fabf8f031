"""``make test tests=...``: run tests named the way the spec names them.

The spec selects tests with dotted names: a module (``tests.test_dict``), a
class (``tests.test_dict.DictTests``) or a method
(``tests.test_dict.DictTests.test_keyexistserror``).  This suite is pytest's:
one file per module, tests in functions (a few in classes).  Each dotted name
becomes a pytest selection:

* the leading components name the file: ``tests.test_dict`` is
  ``tests/test_dict.py``;
* each following component that the file defines as a test -- a ``Test*``
  class, a ``test*`` function, a method of the class just named -- extends
  the node id:
  ``tests.test_dict.test_views`` is ``tests/test_dict.py::test_views``;
* a component the file does not define becomes a ``-k`` keyword, with a
  trailing ``Tests`` or ``Test`` dropped.  pytest matches keywords without
  regard to case against the names of a test, its class and its module, so
  ``tests.test_dict.DictTests`` runs every test in test_dict.py (``-k Dict``),
  and ``tests.test_dict.DictTests.test_keyexistserror`` runs
  ``tests/test_dict.py::test_keyexistserror``.

A name that already looks like pytest's (it holds ``/`` or ``::``) is passed
unchanged.  Several names may be given, separated by spaces; their keywords
must all match.  The definitions are read from the file's syntax tree: no
test module (and so no part of pottery) is imported before pytest starts, so
nothing escapes coverage.

    python -m tests.selection tests.test_dict.DictTests -- -x   # runs pytest
"""

from __future__ import annotations

import ast
import os
import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def definitions(body: list[ast.stmt]) -> dict[str, list[ast.stmt] | None]:
    """The tests a body defines, as pytest collects them by default: ``Test*``
    classes (mapped to their bodies) and ``test*`` functions (mapped to None)."""
    names: dict[str, list[ast.stmt] | None] = {}
    for node in body:
        if isinstance(node, ast.ClassDef) and node.name.startswith('Test'):
            names[node.name] = node.body
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith('test'):
            names[node.name] = None
        elif isinstance(node, ast.Assign):  # TestMachine = Machine.TestCase
            names |= {target.id: None for target in node.targets if isinstance(target, ast.Name)}
    return {name: body for name, body in names.items() if name.startswith(('Test', 'test'))}


def keyword(name: str) -> str:
    for suffix in ('Tests', 'Test'):
        if name.endswith(suffix) and name != suffix:
            return name.removesuffix(suffix)
    return name


def resolve(dotted: str) -> tuple[str, list[str]]:
    """One dotted name -> (pytest node id, -k keywords)."""
    if '/' in dotted or '::' in dotted:
        return dotted, []
    parts = dotted.split('.')
    for end in range(len(parts), 0, -1):
        path = Path(*parts[:end]).with_suffix('.py')
        if (ROOT / path).is_file():
            break
    else:
        sys.exit(f'tests={dotted}: no test file {"/".join(parts)}.py or any of its prefixes')
    node, keywords = str(path), []
    scope: list[ast.stmt] | None = ast.parse((ROOT / path).read_text()).body
    for name in parts[end:]:
        defined = definitions(scope) if scope is not None else {}
        if name in defined:
            node += f'::{name}'
            scope = defined[name]
        else:
            keywords.append(keyword(name))
    return node, keywords


def pytest_args(names: list[str]) -> list[str]:
    nodes, keywords = [], []
    for dotted in names:
        node, more = resolve(dotted)
        nodes.append(node)
        keywords += more
    return nodes + (['-k', ' and '.join(keywords)] if keywords else [])


def main(argv: list[str]) -> None:
    """``NAMES... [-- PYTEST_ARGS...]``: print the pytest command, then become it."""
    split = argv.index('--') if '--' in argv else len(argv)
    names = [name for arg in argv[:split] for name in arg.split()]
    args = [*pytest_args(names), *argv[split + 1 :]]
    print(f'pytest {shlex.join(args)}', flush=True)
    os.chdir(ROOT)
    os.execv(sys.executable, [sys.executable, '-m', 'pytest', *args])


if __name__ == '__main__':
    main(sys.argv[1:])

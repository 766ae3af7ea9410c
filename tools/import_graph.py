#!/usr/bin/env python3
"""Which package of this tree imports which, and any cycle: `python3 tools/import_graph.py
[--modules]` (exit 1 when there is a cycle).

Read from the source (ast), not by importing it: every `import` and `from ... import` of a
first-party module counts, at module level or inside a function; those under
`if TYPE_CHECKING:` are marked (type), since they load nothing at run time.
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
from collections.abc import Iterator

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOTS = ("proc", "ttalertd")


def modules(repo: str = REPO) -> Iterator[tuple[str, str]]:
    """(dotted module name, file path) of every first-party module."""
    for root in ROOTS:
        for folder, _dirs, files in os.walk(os.path.join(repo, root)):
            for name in sorted(files):
                if not name.endswith(".py"):
                    continue
                path = os.path.join(folder, name)
                dotted = os.path.relpath(path, repo)[:-3].replace(os.sep, ".")
                yield dotted.removesuffix(".__init__"), path


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports(path: str, module: str) -> dict[str, bool]:
    """First-party modules imported by the file -> True when only for type checking."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    typing_only = _type_checking_lines(tree)
    found: dict[str, bool] = {}
    package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this package
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            names = [base]
        for name in names:
            if name.split(".")[0] in ROOTS:
                only_types = node.lineno in typing_only
                found[name] = found.get(name, True) and only_types
    return found


WIRING = ("cli", "runner", "daemon", "__main__")


def package_of(module: str) -> str:
    """proc; ttalertd.<step> for a package of the pipeline or a shared module of ttalertd/;
    `ttalertd (wiring)` for cli, runner and daemon."""
    parts = module.split(".")
    if parts[0] == "proc":
        return "proc"
    if len(parts) == 1:
        return "ttalertd"
    if len(parts) == 2 and parts[1] in WIRING:
        return "ttalertd (wiring)"
    return ".".join(parts[:2])


def graph(by_module: bool = False) -> dict[str, dict[str, bool]]:
    """node -> {imported node: only for type checking}; nodes are packages unless by_module."""
    edges: dict[str, dict[str, bool]] = {}
    for module, path in modules():
        source = module if by_module else package_of(module)
        targets = edges.setdefault(source, {})
        for name, only_types in imports(path, module).items():
            target = name if by_module else package_of(name)
            if target != source:
                targets[target] = targets.get(target, True) and only_types
    return edges


def cycles(edges: dict[str, dict[str, bool]]) -> list[list[str]]:
    """Every import cycle, each once as [a, b, ..., a] starting at its least node (type-only
    imports count: they couple the packages all the same)."""
    found: set[tuple[str, ...]] = set()

    def walk(path: list[str]) -> None:
        for target in sorted(edges.get(path[-1], {})):
            if target == path[0]:
                found.add(tuple(path))
            elif target not in path and target > path[0]:
                walk([*path, target])

    for start in sorted(edges):
        walk([start])
    return [[*cycle, cycle[0]] for cycle in sorted(found)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", action="store_true", help="one node per module")
    args = parser.parse_args(argv)
    edges = graph(args.modules)
    for source, targets in sorted(edges.items()):
        shown = [f"{t} (type)" if only else t for t, only in sorted(targets.items())]
        print(f"{source} -> {', '.join(shown) if shown else '(nothing first-party)'}")
    loops = cycles(edges)
    print("cycles: " + ("; ".join(" -> ".join(c) for c in loops) if loops else "none"))
    return 1 if loops else 0


if __name__ == "__main__":
    sys.exit(main())

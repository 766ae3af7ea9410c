"""YAML aliases bounded: a 500-byte alias bomb must not become a value of a billion items."""

from __future__ import annotations

from typing import Any

from ttalertd.config.records import ConfigError

MAX_EXPANDED_VALUES = 10_000  # values a document may hold once its aliases are written out


def check_alias_expansion(path: str, root: Any) -> None:
    """Refuse a composed YAML node graph whose aliases expand past MAX_EXPANDED_VALUES, or that
    refers to itself; a document without aliases is as large as its file and always passes."""
    sizes: dict[int, int] = {}
    active: set[int] = set()
    reused: list[Any] = []  # the anchored nodes met again through an alias, latest last

    def expanded(node: Any) -> int:
        key = id(node)
        if key in sizes:
            reused.append(node)
            return sizes[key]
        if key in active:
            raise ConfigError(f"{path} line {_line(node)}: an alias refers to the value that holds "
                              "it (a recursive value)")
        active.add(key)
        total = 1
        for child in _children(node):
            total += expanded(child)
            if total > MAX_EXPANDED_VALUES and reused:
                raise ConfigError(
                    f"{path} line {_line(reused[-1])}: YAML aliases expand past "
                    f"{MAX_EXPANDED_VALUES} values; write the values out or use fewer aliases")
        active.discard(key)
        sizes[key] = total
        return total

    expanded(root)


def _children(node: Any) -> list[Any]:
    value = node.value
    if isinstance(value, list):  # a sequence of nodes, or a mapping's (key, value) pairs
        return [part for item in value for part in (item if isinstance(item, tuple) else (item,))]
    return []


def _line(node: Any) -> int:
    mark = getattr(node, "start_mark", None)
    return mark.line + 1 if mark is not None else 0

"""EXCLUDE_PROCESSES matching in linear time: Python's regex syntax, a Thompson NFA, a lazy DFA.

Python's `re` backtracks: `(\\w+\\s?)*$` against a 35-character command line runs for minutes,
and any user can start a process with such a command line. Here a pattern is parsed with Python's
own parser (so the syntax and its errors are Python's), compiled to an NFA and run as a DFA built
on the fly, one step per character: the time of a search is bounded by the text's length (capped
at MAX_TEXT) times the pattern's size (capped at MAX_STATES), whatever either holds. Constructs
that no finite automaton can run (backreferences, lookaround, atomic groups, possessive repeats)
are refused. Exclusion only asks whether a pattern occurs, so greedy and lazy repeats are equal.
"""

from __future__ import annotations

import logging
import re
import re._constants as sre  # type: ignore[import-not-found]
import re._parser as sre_parse  # type: ignore[import-not-found]

TYPE_CHECKING = False  # typing costs ~3 ms of every start; the names are for annotations only
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    Predicate = Callable[[str], bool]

MAX_TEXT = 4096  # characters of a name or command line that are matched; the rest is not read
MAX_STATES = 2000  # NFA states a pattern may compile to ({m,n} copies its body)
MAX_WORK = 200_000  # steps one search may take (~0.1 s); past them it says "no match"
_MAX_CACHE = 20000  # DFA transitions kept; past this the cache starts afresh

log = logging.getLogger("ttalertd.config")

_I, _M, _S, _A = (sre.SRE_FLAG_IGNORECASE, sre.SRE_FLAG_MULTILINE, sre.SRE_FLAG_DOTALL,
                  sre.SRE_FLAG_ASCII)
_CHAR, _SPLIT, _ASSERT, _MATCH = range(4)
_UNSUPPORTED = {sre.GROUPREF: "a backreference", sre.GROUPREF_EXISTS: "a conditional group",
                sre.ASSERT: "a lookahead or lookbehind", sre.ASSERT_NOT: "a lookahead or "
                "lookbehind", sre.ATOMIC_GROUP: "an atomic group",
                sre.POSSESSIVE_REPEAT: "a possessive repeat"}


class UnsupportedPattern(ValueError):
    """A pattern this engine cannot run in linear time; the text says which construct."""


def _word(ch: str | None, ascii_only: bool) -> bool:
    if ch is None:
        return False
    if ascii_only:
        return ch.isascii() and (ch.isalnum() or ch == "_")
    return ch.isalnum() or ch == "_"


def _category(name: Any, flags: int) -> Predicate:
    ascii_only = bool(flags & _A)
    base = {sre.CATEGORY_DIGIT: (lambda c: "0" <= c <= "9") if ascii_only else str.isdecimal,
            sre.CATEGORY_SPACE: (lambda c: c in " \t\n\r\f\v") if ascii_only else str.isspace,
            sre.CATEGORY_WORD: lambda c: _word(c, ascii_only),
            sre.CATEGORY_LINEBREAK: lambda c: c == "\n"}
    negated = {sre.CATEGORY_NOT_DIGIT: sre.CATEGORY_DIGIT,
               sre.CATEGORY_NOT_SPACE: sre.CATEGORY_SPACE,
               sre.CATEGORY_NOT_WORD: sre.CATEGORY_WORD,
               sre.CATEGORY_NOT_LINEBREAK: sre.CATEGORY_LINEBREAK}
    if name in base:
        return base[name]
    if name in negated:
        inner = base[negated[name]]
        return lambda c: not inner(c)
    raise UnsupportedPattern(f"the character category {name}")


def _cases(flags: int) -> Callable[[str], tuple[str, ...]]:
    if flags & _I:
        return lambda c: (c, c.lower(), c.upper())
    return lambda c: (c,)


def _literal(code: int, flags: int, *, negate: bool = False) -> Predicate:
    lit, cases = chr(code), _cases(flags)
    if negate:
        return lambda c: lit not in cases(c)
    return lambda c: lit in cases(c)


def _char_range(low: int, high: int, flags: int) -> Predicate:
    cases = _cases(flags)
    return lambda c: any(low <= ord(x) <= high for x in cases(c))


def _char_class(items: list[tuple[Any, Any]], flags: int) -> Predicate:
    negate = False
    tests: list[Predicate] = []
    for op, av in items:
        if op is sre.NEGATE:
            negate = True
        elif op is sre.LITERAL:
            tests.append(_literal(av, flags))
        elif op is sre.RANGE:
            tests.append(_char_range(av[0], av[1], flags))
        elif op is sre.CATEGORY:
            tests.append(_category(av, flags))
        else:
            raise UnsupportedPattern(f"{op} in a character class")
    if negate:
        return lambda c: not any(t(c) for t in tests)
    return lambda c: any(t(c) for t in tests)


class _Builder:
    """Compiles a parse tree backwards into NFA states: (kind, arg, next, other next)."""

    def __init__(self) -> None:
        self.states: list[list[Any]] = [[_MATCH, None, -1, -1]]
        self.predicates: list[Predicate] = []  # each distinct character test once
        self._predicate_ids: dict[tuple[Any, str, int], int] = {}

    def char(self, op: Any, av: Any, flags: int, nxt: int) -> int:
        """A state that reads one character passing the test (op, av) under `flags`."""
        key = (op, repr(av), flags)
        index = self._predicate_ids.get(key)
        if index is None:
            if op is sre.LITERAL or op is sre.NOT_LITERAL:
                test = _literal(av, flags, negate=op is sre.NOT_LITERAL)
            elif op is sre.ANY:
                test = (lambda c: True) if flags & _S else (lambda c: c != "\n")
            else:
                test = _char_class(av, flags)
            index = self._predicate_ids[key] = len(self.predicates)
            self.predicates.append(test)
        return self.add(_CHAR, index, nxt)

    def add(self, kind: int, arg: Any, nxt: int, alt: int = -1) -> int:
        if len(self.states) >= MAX_STATES:
            raise UnsupportedPattern(f"a pattern this large (over {MAX_STATES} states)")
        self.states.append([kind, arg, nxt, alt])
        return len(self.states) - 1

    def sequence(self, items: Any, flags: int, nxt: int) -> int:
        for op, av in reversed(list(items)):
            nxt = self.item(op, av, flags, nxt)
        return nxt

    def item(self, op: Any, av: Any, flags: int, nxt: int) -> int:
        if op in _UNSUPPORTED:
            raise UnsupportedPattern(_UNSUPPORTED[op])
        if op in (sre.LITERAL, sre.NOT_LITERAL, sre.ANY, sre.IN):
            return self.char(op, av, flags, nxt)
        if op is sre.AT:
            return self.add(_ASSERT, (av, flags), nxt)
        if op is sre.SUBPATTERN:
            _group, add_flags, del_flags, body = av
            return self.sequence(body, (flags | add_flags) & ~del_flags, nxt)
        if op is sre.BRANCH:
            starts = [self.sequence(branch, flags, nxt) for branch in av[1]]
            start = starts[-1]
            for other in reversed(starts[:-1]):
                start = self.add(_SPLIT, None, other, start)
            return start
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            low, high, body = av
            return self.repeat(low, high, body, flags, nxt)
        raise UnsupportedPattern(f"the construct {op}")

    def repeat(self, low: int, high: Any, body: Any, flags: int, nxt: int) -> int:
        if high is sre.MAXREPEAT:
            loop = self.add(_SPLIT, None, -1, nxt)
            self.states[loop][2] = self.sequence(body, flags, loop)
            nxt = loop
        else:
            for _ in range(high - low):  # optional copies, each may end the repeat
                nxt = self.add(_SPLIT, None, self.sequence(body, flags, nxt), nxt)
        for _ in range(low):
            nxt = self.sequence(body, flags, nxt)
        return nxt


def _holds(assertion: tuple[Any, int], prev: str | None, cur: str | None, last: bool) -> bool:
    """A zero-width assertion between `prev` and `cur` (None: the start or end of the text)."""
    at, flags = assertion
    multiline = flags & _M
    if at is sre.AT_BEGINNING:
        return prev is None or bool(multiline and prev == "\n")
    if at is sre.AT_BEGINNING_STRING:
        return prev is None
    if at is sre.AT_END:
        return cur is None or (cur == "\n" and (last or bool(multiline)))
    if at is sre.AT_END_STRING:
        return cur is None
    ascii_only = bool(flags & _A)
    boundary = _word(prev, ascii_only) != _word(cur, ascii_only)
    if at is sre.AT_BOUNDARY:
        return boundary
    if at is sre.AT_NON_BOUNDARY:  # as Python's re: never in an empty text
        return not boundary and not (prev is None and cur is None)
    raise UnsupportedPattern(f"the assertion {at}")


def _context(ch: str) -> str:
    """A stand-in for the previous character with the same word-ness (both modes) and newline."""
    if ch == "\n":
        return ch
    if _word(ch, True):
        return "a"
    return "\u00e9" if _word(ch, False) else " "


class LinearPattern:
    """A compiled EXCLUDE_PROCESSES entry: search(text) is True when the pattern occurs in it.

    The DFA is built on the fly: its states are sets of NFA states, its alphabet the classes of
    characters that pass the same tests (so a text of 4096 distinct characters is a few classes).
    A search that would take more than MAX_WORK steps (a huge pattern on a hostile text) stops
    and says "no match": the process alerts rather than hides, and the tick goes on."""

    __slots__ = (
        "_cache",
        "_class_ids",
        "_class_list",
        "_classes",
        "_ids",
        "_kernels",
        "_predicates",
        "_start",
        "_states",
        "gave_up",
        "pattern",
    )

    def __init__(self, pattern: str) -> None:
        """Raises re.error for bad syntax, UnsupportedPattern for what cannot run linearly."""
        re.compile(pattern)  # Python's own errors, with their positions
        parsed = sre_parse.parse(pattern)
        builder = _Builder()
        self._start = builder.sequence(parsed, parsed.state.flags, 0)
        for kind, arg, _nxt, _alt in builder.states:  # an unknown assertion fails now
            if kind == _ASSERT:
                _holds(arg, None, None, False)
        self.pattern = pattern
        self._states = builder.states
        self._predicates = builder.predicates
        self._cache: dict[tuple[int, int, bool], int] = {}  # (DFA state, class, last) -> next
        self._ids: dict[tuple[frozenset[int], str | None], int] = {}
        self._kernels: list[tuple[frozenset[int], str | None]] = []
        self._classes: dict[str, int] = {}  # character -> its class
        self._class_ids: dict[tuple[tuple[bool, ...], str], int] = {}
        self._class_list: list[tuple[tuple[bool, ...], str]] = []  # (test results, stand-in)
        self.gave_up = 0  # searches stopped at MAX_WORK

    def __repr__(self) -> str:
        return f"LinearPattern({self.pattern!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LinearPattern) and other.pattern == self.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)

    def search(self, text: str) -> bool:
        """Does the pattern occur in the first MAX_TEXT characters of `text`?"""
        if max(len(self._cache), len(self._kernels), len(self._classes)) > _MAX_CACHE:
            for table in (self._cache, self._ids, self._kernels, self._classes,
                          self._class_ids, self._class_list):
                table.clear()  # between searches only: a search's ids stay valid
        text = text[:MAX_TEXT]
        end, work = len(text) - 1, 0
        state = self._intern(frozenset(), None)
        for i, ch in enumerate(text):
            klass = self._classes.get(ch)
            if klass is None:
                klass = self._classify(ch)
                work += len(self._predicates)
            state, cost = self._step(state, klass, i == end)
            if state < 0:
                return True
            work += cost
            if work > MAX_WORK:
                self.gave_up += 1
                log.warning("EXCLUDE_PROCESSES %r: gave up after %d steps on a %d-character "
                            "text; the process is not excluded", self.pattern, work, len(text))
                return False
        return self._step(state, -1, False)[0] < 0

    def _classify(self, ch: str) -> int:
        key = (tuple(test(ch) for test in self._predicates), _context(ch))
        klass = self._class_ids.get(key)
        if klass is None:
            klass = self._class_ids[key] = len(self._class_list)
            self._class_list.append(key)
        self._classes[ch] = klass
        return klass

    def _intern(self, kernel: frozenset[int], prev: str | None) -> int:
        key = (kernel, prev)
        found = self._ids.get(key)
        if found is None:
            found = self._ids[key] = len(self._kernels)
            self._kernels.append(key)
        return found

    def _step(self, state: int, klass: int, last: bool) -> tuple[int, int]:
        """(the DFA state after a character of `klass` (-1: the end), its cost); -1 once matched."""
        key = (state, klass, last)
        cached = self._cache.get(key)
        if cached is not None:
            return cached, 1
        kernel, prev = self._kernels[state]
        tests, cur = self._class_list[klass] if klass >= 0 else ((), None)
        states = self._states
        current, stack, seen = [], [self._start, *kernel], set()
        result = None
        while stack:  # the epsilon closure at this position: splits and assertions that hold
            index = stack.pop()
            if index < 0 or index in seen:
                continue
            seen.add(index)
            kind, arg, nxt, alt = states[index]
            if kind == _MATCH:
                result = -1
                break
            if kind == _SPLIT:
                stack += (alt, nxt)
            elif kind == _ASSERT:
                if _holds(arg, prev, cur, last):
                    stack.append(nxt)
            else:
                current.append(index)
        if result is None:
            if klass < 0:
                result = state  # the end: no match
            else:
                after = frozenset(states[i][2] for i in current if tests[states[i][1]])
                result = self._intern(after, cur)
        self._cache[key] = result
        return result, len(seen) + 1

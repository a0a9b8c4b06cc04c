"""What every command line shares: the parser (a mistake in one line, an option of one value
refused when given twice) and the argument types more than one command uses."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

#: A command: parsed arguments in, exit code out.
Command = Callable[[argparse.Namespace], int]


class _StoreOnce(argparse._StoreAction):
    """An option that takes one value: given twice with different values, it is refused
    (argparse would silently keep the last one)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        given: dict[str, Any] = namespace.__dict__.setdefault(_GIVEN, {})
        if option_string and self.dest in given and given[self.dest] != values:
            parser.error(
                f"{option_string} was given twice ({given[self.dest]!r}, then {values!r}):"
                " give it once"
            )
        given[self.dest] = values
        super().__call__(parser, namespace, values, option_string)


_GIVEN = "_statuspage_contract_given"


class Parser(argparse.ArgumentParser):
    """argparse, with a mistake reported in one line (not the whole usage) and an option of
    one value refused when it is given twice with different values."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.register("action", None, _StoreOnce)
        self.register("action", "store", _StoreOnce)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extra = super().parse_known_args(args, namespace)
        parsed.__dict__.pop(_GIVEN, None)
        return parsed, extra


def port(value: str) -> int:
    """A TCP port number, 0 to 65535 (0: any free port)."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535, not {number}")
    return number

"""The command line's one error path: any exception becomes one line on stderr and exit code 1;
``--debug`` (anywhere on the command line) shows the traceback instead. Warnings are one line
each too."""

from __future__ import annotations

import sys
import warnings
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

DEBUG_FLAG = "--debug"
# Errors anomalab raises on purpose: their message is the whole story.
_EXPECTED = (ValueError, TypeError, KeyError, OSError, ArithmeticError, ImportError)

# typer's own exits and usage errors (vendored click in typer >= 0.2x, click's before).
_CLICK_ERROR = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")
_PASS_THROUGH: tuple[type[BaseException], ...] = (typer.Exit, typer.Abort, _CLICK_ERROR)

err = Console(stderr=True, soft_wrap=True)
_state = {"debug": False}


def one_line(exc: BaseException) -> str:
    """The exception as one line: its message (a ``KeyError``'s unquoted), prefixed by its type
    when that is not an error anomalab raises on purpose."""
    text = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
    message = " ".join(str(text).split()) or type(exc).__name__
    if not isinstance(exc, _EXPECTED):
        message = f"{type(exc).__name__}: {message} (run with {DEBUG_FLAG} for the traceback)"
    return message


def print_error(message: str) -> None:
    err.print(f"[bold red]error:[/] {escape(' '.join(message.split()))}", highlight=False)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``error: message`` on one line and exit with ``code`` (with ``--debug``, called
    while handling an exception, re-raise that exception instead)."""
    handling = sys.exc_info()[1]
    if _state["debug"] and handling is not None:
        raise handling
    print_error(message)
    raise typer.Exit(code)


def print_warning(message: str) -> None:
    err.print(f"[yellow]warning:[/] {escape(' '.join(message.split()))}", highlight=False)


class OneLineErrors(TyperGroup):
    """The top-level group: runs a command, turning an uncaught exception into one line."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        _state["debug"] = DEBUG_FLAG in args
        args = [a for a in args if a != DEBUG_FLAG]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            try:
                return super().invoke(ctx)
            except _PASS_THROUGH:
                raise
            except Exception as exc:
                if _state["debug"]:
                    raise
                fail(one_line(exc))


def _show_warning(message: Warning | str, *args: Any, **kwargs: Any) -> None:
    print_warning(str(message))

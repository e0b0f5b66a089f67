"""Progress of long work, one way for every command and for the worker.

A long job (an import, the demo build, the index, training, a report, the plan) takes a
``progress`` callable and calls it as ``progress(done, total)`` whenever it has done more
(``total`` may be ``None`` when unknown). What the caller shows is its own business:

- a command on a terminal shows a bar with the rate and the time left (rich);
- a command whose output is not a terminal prints one summary line at the end;
- the worker stores the figures on the job's row for the page's progress bar.

``terminal(label, stream)`` is the command's side::

    with terminal("导入住户", self.stdout) as progress:
        result = import_subjects(path, progress=progress)

``NOOP`` is the default of every job, so callers that do not care pass nothing.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Protocol


class Progress(Protocol):
    def __call__(self, done: int, total: int | None = None) -> None: ...


def NOOP(done: int, total: int | None = None) -> None:
    """The default: nobody is watching."""


def _stream_of(stream) -> IO[str]:
    # Django's OutputWrapper wraps the real stream in ``_out``
    return getattr(stream, "_out", stream) or sys.stdout


def _is_terminal(stream) -> bool:
    try:
        return bool(_stream_of(stream).isatty())
    except (AttributeError, ValueError):
        return False


def _summary(label: str, done: int, total: int | None, seconds: float) -> str:
    rate = done / seconds if seconds > 0 else 0.0
    counted = f"{done:,}" if total is None else f"{done:,}/{total:,}"
    return f"{label}: {counted} in {seconds:.1f} s ({rate:,.0f}/s)"


@contextmanager
def terminal(label: str, stream=None, *, force_bar: bool | None = None) -> Iterator[Callable[..., None]]:
    """A ``progress`` callable for a command: a live bar on a terminal, one line otherwise."""
    out = _stream_of(stream if stream is not None else sys.stdout)
    bar = _is_terminal(out) if force_bar is None else force_bar
    state = {"done": 0, "total": None}
    started = time.monotonic()
    if not bar:
        def progress(done: int, total: int | None = None) -> None:
            state["done"] = done
            if total is not None:
                state["total"] = total

        yield progress
        out.write(_summary(label, state["done"], state["total"], time.monotonic() - started) + "\n")
        return

    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.progress import (
        Progress as Bar,
    )

    class Rate(TextColumn):
        def __init__(self):
            super().__init__("")

        def render(self, task):
            speed = task.finished_speed or task.speed
            from rich.text import Text

            return Text(f"{speed:,.0f}/s" if speed else "", style="progress.data.speed")

    console = Console(file=out)
    columns = [
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
        Rate(), TimeElapsedColumn(), TimeRemainingColumn(),
    ]
    with Bar(*columns, console=console, transient=False) as bars:
        task = bars.add_task(label, total=None)

        def progress(done: int, total: int | None = None) -> None:
            state["done"] = done
            if total is not None:
                state["total"] = total
            bars.update(task, completed=done, total=state["total"])

        yield progress

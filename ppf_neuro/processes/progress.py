"""Progress bars that suit where they are written.

On a terminal (or in a notebook) they are tqdm's bars. Written to a log file or a pipe, a bar's
carriage-return updates would be one line per batch (megabytes over a training run): there each
bar is a plain line at most every ``LOG_INTERVAL_S`` seconds and a last one when its phase ends.
Every step of a bar is also where a Ctrl-C that a library swallowed is raised again
(:func:`ppf_neuro.processes.interrupts.check`): the long loops of every command run through one.
"""

from __future__ import annotations

import sys

from tqdm import tqdm as plain_tqdm
from tqdm.auto import tqdm

from ppf_neuro.processes.interrupts import check

#: Seconds between two progress lines in a log file.
LOG_INTERVAL_S = 30.0


class _Checked:
    """A bar whose every step raises a swallowed interrupt again."""

    def __iter__(self):
        for item in super().__iter__():
            check()
            yield item

    def update(self, n=1):
        check()
        return super().update(n)


class TerminalBar(_Checked, tqdm):
    """tqdm's bar for a terminal or notebook."""


class LogLines(_Checked, plain_tqdm):
    """tqdm that writes whole lines, never carriage returns (for files and pipes)."""

    def display(self, msg=None, pos=None):
        if msg == "" or self.n == self.last_printed_n:  # tqdm clears with an empty message: nothing to clear
            return True
        self.last_printed_n = self.n
        self.fp.write((msg or str(self)).strip() + "\n")
        self.fp.flush()
        return True

    def clear(self, *args, **kwargs):
        pass

    def close(self):
        if not self.disable and self.n != self.last_printed_n:
            self.display()
        self.disable = True  # tqdm's own close would redraw
        super().close()

    last_printed_n = -1


def progress_bar(iterable=None, **kwargs):
    """``tqdm(iterable, **kwargs)`` on a terminal; :class:`LogLines` where stderr is not one."""
    if sys.stderr.isatty() or kwargs.get("disable"):
        return TerminalBar(iterable, **kwargs)
    kwargs["mininterval"] = max(kwargs.get("mininterval", 0.0), LOG_INTERVAL_S)
    kwargs.pop("leave", None)
    return LogLines(iterable, file=sys.stderr, ascii=True, **kwargs)


def write_line(line: str) -> None:
    """A line printed without breaking an open bar."""
    tqdm.write(line)


#: A phase projected to take longer than this is announced with its estimate.
ANNOUNCE_AFTER_S = 30.0


def announce_estimate(what: str, seconds_each: float, count: int, unit: str = "sample") -> None:
    """One line saying how long ``count`` more items of ``seconds_each`` will take, when that is
    long enough to matter (a noisy device: ~20 s per sample), so nobody waits blind for an hour."""
    total = seconds_each * count
    if total < ANNOUNCE_AFTER_S:
        return
    span = f"{total / 3600:.1f} h" if total >= 5400 else f"{total / 60:.0f} min" if total >= 90 else f"{total:.0f} s"
    write_line(f"{what}: {seconds_each:.1f} s per {unit}, about {span} for the {count:,} {unit}s to go "
               "(fewer with --samples)")

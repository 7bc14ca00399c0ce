"""A Lava run in a process group of its own, so that a terminal's Ctrl-C cannot break it.

A terminal sends SIGINT to its whole foreground process group. Lava runs its process models in
child processes; had they been in that group, each would die of the signal mid-message and
Lava's ``stop()``, which waits for them, would hang for good (measured, issue 21). Here the run
happens in a forked child that leads a new process group, so Lava's processes join that group
and the terminal's signal reaches only the command. The command then asks the child to stop
(SIGTERM, which the child notes; its run loop ends at the next chunk, :func:`stop_requested`, and
its ``finally`` stops Lava the normal way, between two ``run`` calls and with its processes intact)
and, if that takes longer than :data:`STOP_TIMEOUT_S`, kills the child's whole group, so that
nothing is left either way. (An exception raised at an arbitrary point inside Lava's ``run`` could
leave its runtime unable to stop: measured, 10 s timeouts under load.)
"""

from __future__ import annotations

import errno
import multiprocessing
import os
import signal
import traceback
from typing import Callable

from ppf_neuro.errors import PPFError

#: How long an interrupted run may take to stop Lava before its processes are killed.
STOP_TIMEOUT_S = 10.0
_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def in_own_process_group(fn: Callable, *args, **kwargs):
    """``fn(*args, **kwargs)`` computed in a forked child leading its own process group; its result
    or its exception comes back here. Interrupted here, the child is stopped (module docstring)."""
    # Lava sets multiprocessing's start method when its message infrastructure is first imported,
    # which a forked child can no longer do (its start method is fixed): import it here first.
    import lava.magma.runtime.message_infrastructure.multiprocessing  # noqa: F401

    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    # An interrupt between the fork and the ``try`` below would leave the child running: hold
    # signals back until it can be stopped (the child restores the mask once in its own group).
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    child = context.Process(target=_child, args=(send, mask, fn, args, kwargs), name="ppf-lava-run")
    try:
        child.start()
    finally:
        send.close()
    try:
        os.setpgid(child.pid, child.pid)  # also done in the child: whichever runs first wins the race
    except (PermissionError, ProcessLookupError):
        pass  # it already has
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        kind, value = receive.recv()
    except EOFError:  # the child died without a word: killed (out of memory?) or crashed in Lava
        _stop(child)
        raise PPFError(f"the Lava run's process ended without an answer (exit code {child.exitcode}: "
                       f"{_how_it_ended(child.exitcode)})") from None
    except BaseException:
        _stop(child)
        raise
    finally:
        receive.close()
    child.join()
    if kind == "error":
        raise value
    return value


#: In the child: whether the command asked it to stop (checked by the run loop between chunks).
_stop_requested = False


def stop_requested() -> bool:
    """True in a child whose command was interrupted: its run loop should end at the next chunk
    (its ``finally`` then stops Lava between two ``run`` calls, where a stop is always clean)."""
    return _stop_requested


def _request_stop(signum, frame) -> None:
    global _stop_requested
    _stop_requested = True


#: The errors of a disk that fills (or a file-size limit, or a quota).
DISK_FULL = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)


def _disk_error(e: OSError) -> PPFError:
    """One line for a write that found no space inside the Lava run."""
    where = f" {e.filename}" if e.filename else ""
    return PPFError(f"cannot write{where} during the Lava run: {e.strerror} (Lava's channels are shared-memory files "
                    "in /dev/shm; the run's counters go to the temporary directory, its rasters beside --save-spikes)")


def _how_it_ended(code: int | None) -> str:
    """A dead process's exit code in words."""
    if code is not None and code < 0:
        name = signal.Signals(-code).name
        return f"killed by {name}" + (", e.g. by the kernel when memory ran out" if name == "SIGKILL" else "")
    return "it exited without sending its result"


def _child(send, mask: set, fn: Callable, args: tuple, kwargs: dict) -> None:
    os.setpgid(0, 0)
    signal.signal(signal.SIGTERM, _request_stop)
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    try:
        message = ("ok", fn(*args, **kwargs))
    except OSError as e:  # a full disk or a size limit, met by Lava's own channels or by our files
        message = ("error", _disk_error(e) if e.errno in DISK_FULL else e)
    except BaseException as e:  # noqa: BLE001 - every failure goes back to the command, which decides
        message = ("error", e)
    try:
        send.send(message)
    except Exception:  # an exception that does not pickle: its text instead
        send.send(("error", RuntimeError("".join(traceback.format_exception(message[1])).strip())))
    finally:
        send.close()


def _stop(child) -> None:
    """Ask ``child`` to stop, wait up to STOP_TIMEOUT_S, then kill its process group. A second
    Ctrl-C meanwhile is held back until this is done (then it interrupts the command as usual)."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        if child.is_alive():
            os.kill(child.pid, signal.SIGTERM)
            child.join(STOP_TIMEOUT_S)
        try:
            os.killpg(child.pid, signal.SIGKILL)  # Lava's processes too, if any outlived the stop
        except (ProcessLookupError, PermissionError):
            pass
        child.join(1.0)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)

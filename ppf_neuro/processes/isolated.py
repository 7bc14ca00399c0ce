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
leave its runtime unable to stop: measured, 10 s timeouts under load.) From the fork to the stop the
command's own signals are noted, not raised (:func:`_signals_held`), so that none can cut in: a second
signal arriving while the first unwound the command (a shard worker gets its group's SIGTERM, then
the command's) used to skip the stop, and a shard's Lava run was seen outliving its command.
"""

from __future__ import annotations

import errno
import importlib
import multiprocessing
import os
import signal
import sys
import threading
import traceback
from contextlib import contextmanager
from typing import Callable, Iterator

from ppf_neuro.errors import PPFError
from ppf_neuro.processes.orphans import kill_group_when_orphaned

#: Lava's message infrastructure: importing it calls ``multiprocessing.set_start_method('fork')``.
LAVA_MESSAGING = "lava.magma.runtime.message_infrastructure.multiprocessing"
#: lava-dl's netx (with its import-time noise captured), which builds every run's network.
NETX = "ppf_neuro.lava_dl"
#: How long an interrupted run may take to stop Lava before its processes are killed.
STOP_TIMEOUT_S = 10.0
_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def in_own_process_group(fn: Callable, *args, **kwargs):
    """``fn(*args, **kwargs)`` computed in a forked child leading its own process group; its result
    or its exception comes back here. Interrupted here, the child is stopped (module docstring)."""
    import_before_fork()
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    with _signals_held() as held:  # from before the fork until the child has stopped
        # The child starts with the signals blocked; it unblocks them once in its own group.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
        child = context.Process(target=_child, args=(send, mask, fn, args, kwargs, os.getpid()), name="ppf-lava-run")
        try:
            child.start()
        finally:
            send.close()
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        try:
            os.setpgid(child.pid, child.pid)  # also done in the child: whichever runs first wins the race
        except (PermissionError, ProcessLookupError):
            pass  # it already has
        try:
            kind, value = _answer(receive, held)
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


def import_before_fork() -> None:
    """Import what every Lava run needs here, before this process forks a run or a pool of workers.

    Lava's message infrastructure calls ``multiprocessing.set_start_method('fork')`` when first
    imported, which a forked process can no longer do (its start method is fixed, "context has
    already been set"); imported here, forked runs and workers inherit the module. Where this process
    has already fixed the start method (to the same 'fork'), that choice is cleared first so that
    Lava's own call sets it again: the start method stays 'fork' either way. netx builds every run's
    network: imported here once, it is inherited too, where each forked run or worker would import
    it anew (lava-dl's slayer, torch's extensions, torchvision: ~2.5 s each; a plain netx file's
    deployment does not import it before).
    """
    if LAVA_MESSAGING not in sys.modules:
        if multiprocessing.get_start_method(allow_none=True) == "fork":
            multiprocessing.set_start_method(None, force=True)
        importlib.import_module(LAVA_MESSAGING)
    importlib.import_module(NETX)


@contextmanager
def _signals_held() -> Iterator[list[int]]:
    """SIGINT and SIGTERM noted in the list yielded, not acted on, while the block runs; at its end each
    noted one goes to the handler it was meant for (which unwinds the command as usual).

    Why not a signal mask: the kernel hands a process's signal to any thread not blocking it (torch's
    OpenMP threads, tqdm's monitor), and Python then runs the handler in the main thread all the same.
    Handlers run in the main thread only, so elsewhere the block is never interrupted and nothing is
    swapped; an ignored signal stays ignored."""
    held: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield held
        return
    meant = {s: signal.getsignal(s) for s in sorted(_SIGNALS)}
    meant = {s: handler for s, handler in meant.items() if handler not in (signal.SIG_IGN, None)}
    for s in meant:
        signal.signal(s, lambda signum, frame: held.append(signum))
    try:
        yield held
    finally:
        for s, handler in meant.items():
            signal.signal(s, handler)
        for s in dict.fromkeys(held):  # each once, in the order they came
            if callable(handler := meant[s]):
                handler(s, None)
            else:  # SIG_DFL: the default action, now that no Lava run is left going
                os.kill(os.getpid(), s)


#: How often the command looks for a held signal while its Lava run works.
POLL_S = 0.05


def _answer(receive, held: list[int]) -> tuple:
    """The child's message; ``KeyboardInterrupt`` as soon as a signal is ``held``."""
    while not receive.poll(POLL_S):
        if held:
            raise KeyboardInterrupt(signal.Signals(held[0]).name)
    return receive.recv()


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


def _child(send, mask: set, fn: Callable, args: tuple, kwargs: dict, parent: int) -> None:
    os.setpgid(0, 0)
    kill_group_when_orphaned(parent)  # a SIGKILLed command leaves no Lava run behind (ppf_neuro.processes.orphans)
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
    """Ask ``child`` to stop, wait up to STOP_TIMEOUT_S, then kill its process group (called while
    signals are held: a second Ctrl-C meanwhile waits until this is done)."""
    if child.is_alive():
        os.kill(child.pid, signal.SIGTERM)
        child.join(STOP_TIMEOUT_S)
    try:
        os.killpg(child.pid, signal.SIGKILL)  # Lava's processes too, if any outlived the stop
    except (ProcessLookupError, PermissionError):
        pass
    child.join(1.0)

"""Where independent tasks run: local worker processes (default) or a Ray cluster.

Sweep trials and deployment shards are independent, so one function runs a
list of them and returns their results in order. Locally it is a process pool
(one torch thread per worker: two workers with two threads each on two cores
ran 4x slower). With ``ray_address`` each task is a Ray task (one CPU each) on
an existing cluster (``auto`` or ``HOST:PORT``), or on a Ray instance started
here (``local``). Ray is an optional extra: ``pip install 'ppf-neuro[cluster]'``.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Sequence

from ppf_neuro.choices import RANGES
from ppf_neuro.errors import PPFError, argument
from ppf_neuro.processes.orphans import die_with_parent
from ppf_neuro.processes.progress import progress_bar
from ppf_neuro.threads import pin


def _single_threaded(fn: Callable, *args):
    pin(1)
    return fn(*args)


#: The signals that interrupt a command (a terminal's Ctrl-C, kill).
_SIGNALS = {signal.SIGINT, signal.SIGTERM}
#: How long an interrupted worker may take to end its task (a Lava run gets 10 s to stop).
WORKER_STOP_S = 15.0
#: In a local worker: whether a task is running (SIGTERM then unwinds it before the worker exits).
_in_task = False


def _worker_init() -> None:
    """A local worker: one torch thread; Ctrl-C is the command's to handle (a terminal signals the
    whole process group), and the command's SIGTERM ends the worker (module ``_on_sigterm``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)  # blocked since the fork (``run_tasks``)
    # A SIGKILLed command ends its workers too (ppf_neuro.processes.orphans), at once: they have no one left
    # to report to, and a graceful stop (SIGTERM: the task unwinds, its Lava run stops) took over 2 s on a
    # loaded machine. A worker's Lava run follows within its watcher's poll.
    die_with_parent(signal.SIGKILL)
    pin(1)


def _on_sigterm(signum, frame):
    """Idle: exit now. In a task: unwind it like Ctrl-C (its ``finally`` blocks stop Lava runs and
    remove temporary files), then exit (``_task``) instead of taking the next queued task."""
    if not _in_task:
        os._exit(130)
    raise KeyboardInterrupt("SIGTERM")


def _task(fn: Callable, *args):
    global _in_task
    _in_task = True
    try:
        return fn(*args)
    except KeyboardInterrupt:
        os._exit(130)
    finally:
        _in_task = False


def run_tasks(fn: Callable, args: Sequence[tuple], workers: int = 2, ray_address: str | None = None,
              desc: str = "tasks", progress: bool = True) -> list:
    """``[fn(*a) for a in args]``, computed in parallel, results in the order of ``args``; locally on at
    most :func:`usable_workers` processes."""
    RANGES["workers"].check("workers", workers)
    if ray_address:
        return _run_on_ray(fn, args, ray_address, desc, progress)
    workers = usable_workers(workers, len(args))
    pool = ProcessPoolExecutor(workers, initializer=_worker_init)
    try:
        # The workers fork here with the command's handlers: until their initializer replaces them, a
        # Ctrl-C would kill one mid-start and break the pool. Forked with the signals blocked, they
        # take none before ``_worker_init`` (the command's own wait a moment).
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
        try:
            futures = [pool.submit(_task, fn, *a) for a in args]
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        results = [f.result() for f in progress_bar(futures, desc=desc, disable=not progress)]
    except BaseException:
        # Interrupted (Ctrl-C, SIGTERM) or a task failed: stop the workers too, so no orphan keeps
        # training or holding a Lava run (the pool's own shutdown would wait for running tasks).
        # Each worker unwinds its task first (a Lava run stops: ppf_neuro.processes.isolated), so wait for it.
        # Tasks already handed to the pipe for workers about to end (a shard carries the model file's
        # bytes) block its feeder thread once the readers are gone, and the pool's manager thread,
        # then the interpreter's exit, would join that thread forever (seen: one interrupted
        # deployment in two hung). Nothing will read them: let both drop them, before any worker
        # ends (``shutdown`` lets go of the queue, so take it first).
        queue = pool._call_queue
        pool.shutdown(wait=False, cancel_futures=True)  # no further task starts
        if queue is not None:
            queue.cancel_join_thread()
        _end_workers(pool)
        raise
    pool.shutdown()
    return results


def usable_workers(asked: int, tasks: int) -> int:
    """``asked`` bounded by the tasks and by the machine's cores (every task is CPU-bound, one thread
    each: more processes only compete); a one-line note when the cores bound it."""
    cores = os.cpu_count() or 1
    bounded = max(1, min(asked, tasks, cores))
    if asked > cores and bounded < asked:
        print(f"ppf-neuro: note: {argument('workers')} {asked} bounded to {bounded} (the {tasks} task(s) and this "
              f"machine's {cores} core(s))", file=sys.stderr)
    return bounded


#: Seconds a ``--ray HOST:PORT`` has to accept a connection (Ray itself retries for minutes).
RAY_CONNECT_TIMEOUT_S = 5.0


def check_ray_address(address: str | None) -> None:
    """A ``HOST:PORT`` that accepts no connection is refused within seconds, before any work."""
    import socket

    if not address or address in ("auto", "local"):
        return
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        raise PPFError(f"--ray '{address}': expected auto, local or HOST:PORT")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=RAY_CONNECT_TIMEOUT_S).close()
    except OSError as e:
        raise PPFError(f"--ray {address}: nothing answers there within {RAY_CONNECT_TIMEOUT_S:g} s "
                       f"({e.strerror or e}); is the cluster's head node running?") from None


def _end_workers(pool: ProcessPoolExecutor) -> None:
    """SIGTERM to every worker of ``pool`` (each unwinds its task: ``_on_sigterm``), a wait of up to
    WORKER_STOP_S for them together, then SIGKILL for any left."""
    workers = set((pool._processes or {}).values()) | set(multiprocessing.active_children())
    workers = {w for w in workers if w.name != "ppf-lava-run"}  # a Lava child is its own caller's to stop
    for process in workers:
        process.terminate()
    deadline = time.monotonic() + WORKER_STOP_S
    for process in workers:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join(1.0)


def _run_on_ray(fn: Callable, args: Sequence[tuple], address: str, desc: str, progress: bool) -> list:
    try:
        import ray
    except ImportError:
        raise PPFError("--ray needs the optional extra: pip install 'ppf-neuro[cluster]'") from None
    if not ray.is_initialized():
        try:
            ray.init(address=None if address == "local" else address, include_dashboard=False,
                     log_to_driver=False, configure_logging=False)
        except (ConnectionError, RuntimeError, ValueError) as e:
            raise PPFError(f"cannot connect to the Ray cluster at '{address}': {e}") from None
    task = ray.remote(num_cpus=1)(_single_threaded)
    refs = [task.remote(fn, *a) for a in args]
    bar = progress_bar(total=len(refs), desc=f"{desc} (ray)", disable=not progress)
    pending = list(refs)
    while pending:
        done, pending = ray.wait(pending, num_returns=1)
        bar.update(len(done))
    bar.close()
    return ray.get(refs)

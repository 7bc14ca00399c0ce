"""No process outlives the command that started it, however the command dies (SIGKILL included).

A SIGKILLed command runs no ``finally`` and no handler: its pool workers would keep training, and a
Lava run (which leads a process group of its own, out of a terminal's Ctrl-C:
``ppf_neuro.processes.isolated``) would keep computing with its dozen processes (measured: all alive
30 s after ``kill -KILL``). Two mechanisms, because the kernel's parent-death signal reaches only
a direct child and is not inherited by the processes Lava forks:

* :func:`die_with_parent`: a direct child (a pool worker) asks the kernel for a signal when its
  parent dies (Linux ``prctl(PR_SET_PDEATHSIG)``), which unwinds it like the command's SIGTERM;
* :func:`kill_group_when_orphaned`: a process that leads a group (a Lava run) watches its parent
  and, once the parent is gone, kills its whole group: itself and every process Lava forked.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

#: ``prctl`` option: the signal a process gets when its parent dies (linux/prctl.h).
PR_SET_PDEATHSIG = 1
#: How often an orphan watcher looks at its parent (a killed command's Lava run ends within this).
WATCH_S = 0.2


def die_with_parent(signum: int = signal.SIGTERM) -> None:
    """In a freshly forked child: ``signum`` when the parent dies (Linux; elsewhere nothing). A parent
    that died before the request was made is caught too (the child then signals itself)."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0)
    if os.getppid() != parent or parent == 1:
        os.kill(os.getpid(), signum)


def kill_group_when_orphaned(parent: int) -> None:
    """In a process that leads its own group: a daemon thread that, once ``parent`` is no longer this
    process's parent (it died), kills the group with SIGKILL (nothing of the group can still report to
    anyone: its command is gone). Every process it forks from then on (Lava's runtime processes) asks the
    kernel for SIGKILL when its parent dies, so that the group also ends when this process is killed from
    outside (the kernel's OOM killer, a cluster's worker cleanup) before its watcher could act."""
    os.register_at_fork(after_in_child=lambda: die_with_parent(signal.SIGKILL))

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_S)
        os.killpg(os.getpgid(0), signal.SIGKILL)

    threading.Thread(target=watch, name="ppf-orphan-watch", daemon=True).start()

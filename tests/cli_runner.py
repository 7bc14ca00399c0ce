"""``ppf-neuro`` commands (and Python scripts) for the tests: in the test process where only output and
exit status are checked, as real processes from the standard library's warm forkserver where a process
is needed.

Why: a new interpreter spends ~3 s importing torch, lava-dl, Lava and PennyLane before a command's
first line; the suite runs dozens of commands. :func:`in_process` calls ``ppf_neuro.cli.main`` as
``test_bad_inputs.py`` does. :class:`Command` and :func:`run` start the command as a process of its
own from ``multiprocessing``'s forkserver, which imports :data:`PRELOAD` once per test worker
(``set_forkserver_preload``) and forks every command from that quiet, single-threaded process;
:func:`python` runs a script or ``-c`` code there as ``python`` would (as ``__main__``, its directory
first on ``sys.path``).

What stays real in a :class:`Command`: its own pid, a new session when asked (as a terminal's job),
its own resource limits, working directory, environment and stdin/stdout/stderr (the descriptors
passed by the forkserver), the console entry point ``ppf_neuro.cli:run`` with its arguments, its
own children, signals as any process gets them, and its atexit handlers at exit; the exit status is
``Popen``'s (minus the signal that ended it). What differs from the shell: the interpreter's start
and the imports happened before the fork; the tests about those use :func:`fresh_run`.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import traceback
from multiprocessing import reduction

#: What every command imports, paid once per test worker in the forkserver.
PRELOAD = ["torch", "numpy", "scipy.sparse", "h5py", "numba", "pennylane", "lava.lib.dl.slayer", "lava.lib.dl.netx",
           "lava.magma.core.run_configs", "lava.magma.runtime.runtime", "ppf_neuro.cli", "ppf_neuro.commands.train",
           "ppf_neuro.commands.deploy", "ppf_neuro.commands.export", "ppf_neuro.commands.analyze",
           "ppf_neuro.commands.robustness", "ppf_neuro.commands.sweep", "ppf_neuro.deployment.pipeline"]


def _context():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


class _Descriptor:
    """A file descriptor handed to the command: the forkserver passes a duplicate of it."""

    def __init__(self, fd: int):
        self.fd = fd

    def __reduce__(self):
        return _detach, (reduction.DupFd(self.fd),)


def _detach(duplicate) -> int:
    return duplicate.detach()


def _command(argv: list[str], python: bool, cwd: str, env: dict, stdio: list, ready: int, new_session: bool,
             fsize_limit: int | None) -> None:
    """The forked command: the process settings asked for, then (once ``ready`` has told the test
    they are in place, as ``Popen`` returns only after them) ``ppf_neuro.cli.run`` (or, with
    ``python``, the script or ``-c`` code ``argv`` names) and its exit status, atexit handlers included
    (multiprocessing's own exit skips them)."""
    import resource
    from multiprocessing import resource_tracker

    multiprocessing.set_start_method(None, force=True)  # a fresh interpreter's: none chosen yet (Lava chooses)
    tracker = resource_tracker._resource_tracker  # the test worker's, inherited: the command starts its own
    if tracker._fd is not None:
        os.close(tracker._fd)
    tracker._fd = tracker._pid = None
    if new_session:
        os.setsid()
    if fsize_limit is not None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize_limit, fsize_limit))
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    for target, fd in enumerate(stdio):
        os.dup2(fd, target)
        os.close(fd)
    sys.stdin, sys.stdout, sys.stderr = (open(0, "r", closefd=False), open(1, "w", closefd=False),
                                         open(2, "w", closefd=False))
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as a fresh interpreter has them
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.write(ready, b"1")
    os.close(ready)
    code = 1
    try:
        _main(argv, python)
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:  # what an interpreter prints for an uncaught exception
        traceback.print_exc()
    finally:
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _main(argv: list[str], python: bool) -> None:
    """What the process runs: the console script, or what ``python ARGV`` runs."""
    import runpy

    from ppf_neuro.cli import run

    if not python:
        sys.argv = ["ppf-neuro", *argv]
        run()  # the console script's entry point
    elif argv[0] == "-c":
        sys.argv, sys.path[0] = ["-c", *argv[2:]], ""
        exec(compile(argv[1], "<string>", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
    else:
        sys.argv, sys.path[0] = argv, os.path.dirname(os.path.abspath(argv[0]))
        runpy.run_path(argv[0], run_name="__main__")


class Command:
    """A started ``ppf-neuro`` command (with ``python``: ``python ARGV``), used as a ``subprocess.Popen``:
    ``pid``, ``stdout``/``stderr`` (for ``subprocess.PIPE``), ``poll``, ``wait``, ``send_signal``,
    ``communicate``, ``returncode``."""

    def __init__(self, argv: list, *, cwd=None, env: dict | None = None, stdout=None, stderr=None,
                 text: bool = False, start_new_session: bool = False, fsize_limit: int | None = None,
                 python: bool = False):
        ends, mine = [], []
        for fd, stream in enumerate((subprocess.DEVNULL, stdout, stderr)):
            if stream == subprocess.PIPE:
                read, write = os.pipe()
                ends.append(write)
                mine.append(open(read, "r" if text else "rb"))
            else:  # /dev/null, this process's own descriptor, or a given file's
                ends.append(os.open(os.devnull, os.O_RDWR) if stream == subprocess.DEVNULL else
                            os.dup(fd if stream is None else stream.fileno()))
                mine.append(None)
        _, self.stdout, self.stderr = mine
        wait_ready, ready = os.pipe()
        self._process = _context().Process(target=_command, args=(
            [str(a) for a in argv], python, str(cwd or os.getcwd()), dict(os.environ if env is None else env),
            [_Descriptor(fd) for fd in ends], _Descriptor(ready), start_new_session, fsize_limit))
        chosen = multiprocessing.get_start_method(allow_none=True)
        try:
            self._process.start()
        finally:
            if chosen is None:  # the start read this process's default start method, and so fixed it: a test
                multiprocessing.set_start_method(None, force=True)  # that imports Lava after would fail its choice
            for fd in (*ends, ready):
                os.close(fd)
        with open(wait_ready, "rb") as f:
            f.read(1)  # its settings are in place (or it died before: end of file)
        self.pid = self._process.pid
        self.returncode = None

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self._process.join(timeout)
            if self._process.exitcode is None:
                raise subprocess.TimeoutExpired(f"ppf-neuro (pid {self.pid})", timeout)
            self.returncode = self._process.exitcode
        return self.returncode

    def poll(self) -> int | None:
        try:
            return self.wait(timeout=0)
        except subprocess.TimeoutExpired:
            return None

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, sig)

    def communicate(self, timeout: float | None = None) -> tuple:
        """Both pipes read to their end (in threads, so that neither fills), then the exit status."""
        out: dict = {}
        readers = [threading.Thread(target=lambda n=n, f=f: out.__setitem__(n, f.read()))
                   for n, f in (("stdout", self.stdout), ("stderr", self.stderr)) if f is not None]
        for reader in readers:
            reader.start()
        self.wait(timeout)
        for reader in readers:
            reader.join()
        for f in (self.stdout, self.stderr):
            if f is not None:
                f.close()
        return out.get("stdout"), out.get("stderr")


def run(argv: list, *, cwd=None, capture_output: bool = True, text: bool = True, timeout: float = 600,
        check: bool = False, **kwargs) -> subprocess.CompletedProcess:
    """``subprocess.run`` for a ``ppf-neuro`` command as a process: ``run(["deploy", ...])``."""
    pipe = subprocess.PIPE if capture_output else None
    command = Command(argv, cwd=cwd, stdout=pipe, stderr=pipe, text=text, **kwargs)
    try:
        out, err = command.communicate(timeout)
    except subprocess.TimeoutExpired:
        os.kill(command.pid, signal.SIGKILL)
        raise
    done = subprocess.CompletedProcess([sys.executable if kwargs.get("python") else "ppf-neuro", *argv],
                                       command.returncode, out, err)
    if check:
        done.check_returncode()
    return done


def python(argv: list, **kwargs) -> subprocess.CompletedProcess:
    """:func:`run` for ``python ARGV``: a script and its arguments, or ``["-c", code, ...]``."""
    return run(argv, python=True, **kwargs)


def in_process(argv: list, *, cwd=None) -> subprocess.CompletedProcess:
    """The command's ``main`` in this process, its output captured: for tests that check only output
    and exit status (no signals, limits or children of its own to observe)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.ExitStack() as stack:
        if cwd is not None:
            stack.callback(os.chdir, os.getcwd())
            os.chdir(cwd)
        stack.enter_context(contextlib.redirect_stdout(out))
        stack.enter_context(contextlib.redirect_stderr(err))
        from ppf_neuro.cli import main

        code = main([str(a) for a in argv])
    return subprocess.CompletedProcess(["ppf-neuro", *argv], code, out.getvalue(), err.getvalue())


def fresh_run(argv: list, *, cwd=None, timeout: float = 300) -> subprocess.CompletedProcess:
    """The same command in a new interpreter, as from the shell (for tests about the start itself)."""
    return subprocess.run([sys.executable, "-m", "ppf_neuro.cli", *map(str, argv)], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout)

"""``ppf-neuro`` commands as processes forked from a warm one, for the tests that run the CLI.

Why: the suite runs ~40 commands; a new interpreter spends ~3 s of each importing torch, lava-dl
(with its torchvision), Lava and PennyLane before the command's first line, a third of the suite's
time. Here one server process per test worker imports them once and never runs anything else; each
command is forked from it.

What stays real: every command is a process of its own (its own pid, a new session when asked, as a
terminal's job, its own resource limits, working directory and environment, stdin/stdout/stderr
pipes), it runs the console entry point ``ppf_neuro.cli:run`` (what ``ppf-neuro`` runs) with its
arguments, its children are its own, signals reach it as they reach any process, and it exits through
its atexit handlers. What differs: the interpreter's start and the imports happened before the fork,
so tests about those (which modules a command imports, thread settings read from the environment at
import) start a fresh interpreter instead (``python -m ppf_neuro.cli``).

Forking is safe because the server only imports: no torch, OpenMP or Lava thread exists in it (only
OpenBLAS's idle pool, which re-initialises after a fork); Lava itself forks its processes from a
command the same way.

The server's protocol, one SOCK_SEQPACKET connection per command: the client sends a JSON request
with three file descriptors (stdin, stdout, stderr); a supervising child forks the command, sends
``{"pid": ...}``, waits for it and sends ``{"status": ...}`` (the exit code, or minus the signal that
ended it, as ``Popen.returncode``).
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRELOAD = ("torch", "numpy", "scipy.sparse", "h5py", "numba", "pennylane", "lava.lib.dl.slayer", "lava.lib.dl.netx",
           "lava.magma.core.run_configs", "lava.magma.runtime.runtime", "ppf_neuro.cli", "ppf_neuro.commands.train",
           "ppf_neuro.commands.deploy", "ppf_neuro.commands.export", "ppf_neuro.commands.analyze",
           "ppf_neuro.commands.robustness", "ppf_neuro.commands.sweep", "ppf_neuro.deployment.pipeline")


# ---------------------------------------------------------------------------------------------- server

def _serve(path: str) -> None:
    """Import, then fork one supervisor per request until the test worker closes stdin."""
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    server.bind(path)
    server.listen(16)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # supervisors are reaped by the kernel
    print("ready", flush=True)
    while True:  # one thread only, so that every fork is of a quiet process
        if sys.stdin in select.select([server, sys.stdin], [], [])[0]:
            return  # the test worker has ended (its end of our stdin closed)
        conn, _ = server.accept()
        message, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
        sys.stdout.flush()
        sys.stderr.flush()
        if os.fork() == 0:
            server.close()
            _supervise(conn, json.loads(message), fds)
        conn.close()
        for fd in fds:
            os.close(fd)


def _supervise(conn: socket.socket, request: dict, fds: list[int]) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    pid = os.fork()
    if pid == 0:
        conn.close()
        _command(request, fds)
    for fd in fds:
        os.close(fd)
    conn.send(json.dumps({"pid": pid}).encode())
    _, status = os.waitpid(pid, 0)
    conn.send(json.dumps({"status": os.waitstatus_to_exitcode(status)}).encode())
    os._exit(0)


def _command(request: dict, fds: list[int]) -> None:
    """The forked command: the request's process settings, then ``ppf_neuro.cli.run`` and its exit."""
    import resource

    if request["new_session"]:
        os.setsid()
    if request["fsize_limit"] is not None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (request["fsize_limit"], request["fsize_limit"]))
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as a fresh interpreter has them
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    sys.argv = ["ppf-neuro", *request["argv"]]
    code = 1
    try:
        from ppf_neuro.cli import run

        run()
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:  # what an interpreter would print for an uncaught exception
        traceback.print_exc()
    finally:
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


# ---------------------------------------------------------------------------------------------- client

_server: dict = {}


def _socket_path() -> str:
    """This test process's server, started on first use; it ends when this process does."""
    if "path" not in _server:
        path = os.path.join(tempfile.mkdtemp(prefix="ppf-warm-"), "cli.sock")
        proc = subprocess.Popen([sys.executable, __file__, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                cwd=ROOT, text=True)
        for line in proc.stdout:  # lava-dl prints a warning of its own at import
            if line.strip() == "ready":
                break
        else:
            raise RuntimeError(f"the warm CLI server did not start (exit {proc.wait()})")
        _server.update(path=path, proc=proc)
        atexit.register(proc.kill)
    return _server["path"]


class Command:
    """A started ``ppf-neuro`` command, used as a ``subprocess.Popen``: ``pid``, ``stdout``/``stderr``
    (for ``subprocess.PIPE``), ``poll``, ``wait``, ``send_signal``, ``communicate``, ``returncode``."""

    def __init__(self, argv: list[str], *, cwd=None, env: dict | None = None, stdout=None, stderr=None,
                 text: bool = False, start_new_session: bool = False, fsize_limit: int | None = None):
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
        request = {"argv": [str(a) for a in argv], "cwd": str(cwd or os.getcwd()),
                   "env": dict(os.environ if env is None else env), "new_session": start_new_session,
                   "fsize_limit": fsize_limit}
        self._conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._conn.connect(_socket_path())
        socket.send_fds(self._conn, [json.dumps(request).encode()], ends)
        for fd in ends:
            os.close(fd)
        self.pid = json.loads(self._conn.recv(4096))["pid"]
        self.returncode = None

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self._conn.settimeout(timeout)
            try:
                reply = self._conn.recv(4096)
            except (socket.timeout, BlockingIOError):  # (a zero timeout makes the socket non-blocking)
                raise subprocess.TimeoutExpired(f"ppf-neuro (pid {self.pid})", timeout) from None
            self.returncode = json.loads(reply)["status"]
            self._conn.close()
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
    """``subprocess.run`` for a ``ppf-neuro`` command: ``run(["deploy", ...])``."""
    pipe = subprocess.PIPE if capture_output else None
    command = Command(argv, cwd=cwd, stdout=pipe, stderr=pipe, text=text, **kwargs)
    try:
        out, err = command.communicate(timeout)
    except subprocess.TimeoutExpired:
        os.kill(command.pid, signal.SIGKILL)
        raise
    done = subprocess.CompletedProcess(["ppf-neuro", *argv], command.returncode, out, err)
    if check:
        done.check_returncode()
    return done


def fresh_run(argv: list, *, cwd=None, timeout: float = 300) -> subprocess.CompletedProcess:
    """The same command in a new interpreter, as from the shell (for tests about the start itself)."""
    return subprocess.run([sys.executable, "-m", "ppf_neuro.cli", *map(str, argv)], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    _serve(sys.argv[1])

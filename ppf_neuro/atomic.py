"""Atomic file writes: an artifact is either the old file or the complete new one.

Writers get a temporary path in the destination's directory (so the final
``os.replace`` is a same-filesystem rename, atomic on POSIX) and the rename only
happens when the ``with`` block finishes without an exception. The file and
its directory are fsynced before and after the rename, so a completed write
survives a power loss as well as a crash. A destination that cannot be
written is a one-line :class:`~ppf_neuro.errors.PPFError`;
:func:`check_writable` says so before any long work starts.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import io
import json
import os
import shutil
import tempfile
from contextvars import ContextVar
from pathlib import Path
from typing import Callable, Iterable, Iterator

from ppf_neuro.errors import PPFError

#: The files the running command reads (set by the command line): no write may replace one.
_READING: ContextVar[tuple[str, ...]] = ContextVar("ppf_neuro_reading", default=())


@contextlib.contextmanager
def reading(paths: Iterable[str | os.PathLike]) -> Iterator[None]:
    """Within: every write through this module refuses to replace one of ``paths`` (the command's
    inputs: a dataset's files, a report it analyses), whatever output names it."""
    token = _READING.set(tuple(os.path.realpath(p) for p in paths))
    try:
        yield
    finally:
        _READING.reset(token)


def check_not_input(path: str | os.PathLike) -> None:
    """A one-line PPFError where writing ``path`` would replace a file the command reads."""
    if os.path.realpath(path) in _READING.get():
        raise PPFError(f"'{path}' is one of the files this command reads: writing it would destroy its input; give "
                       "another output")


def check_writable(path: str | os.PathLike, what: str = "output", directory: bool = False) -> Path:
    """Refuse, before any work, an output path that could not be written: an existing entry of
    the wrong kind, or a directory (the nearest existing one) in which no file can be created,
    found by creating and removing one there (permission bits say little to root, or in /proc)."""
    path = Path(path)
    if path.exists() and directory != path.is_dir():
        raise PPFError(f"{what} '{path}' " + ("exists and is not a directory" if directory
                                              else "is a directory, not a file"))
    place = path if directory and path.is_dir() else path.parent
    while not place.exists() and place != place.parent:
        place = place.parent
    if not place.is_dir():
        raise PPFError(f"{what} '{path}': '{place}' is not a directory")
    try:
        fd, probe = tempfile.mkstemp(prefix=".ppf-neuro-probe.", dir=place)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise PPFError(f"{what} '{path}': cannot create files in '{place}' ({e.strerror or e})") from None
    return path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path; move it onto ``path`` only on success, durably."""
    path = Path(path)
    check_not_input(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise PPFError(f"cannot write '{path}': {e.strerror or e}") from None
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; artifacts get the usual mode
        _fsync(tmp)
        os.replace(tmp, path)
        _fsync(path.parent)
    except OSError as e:  # a full disk, a file-size limit, an I/O error: one line, nothing partial left
        raise PPFError(f"cannot write '{path}': {e.strerror or e}") from None
    finally:
        tmp.unlink(missing_ok=True)


def hdf5_bytes(fill: Callable) -> bytes:
    """An HDF5 file built in memory by ``fill(h5py.File)``, as bytes. Written to disk with a plain
    write, a full disk or a size limit is an ``OSError`` there (one line, via :func:`atomic_path`);
    inside the HDF5 library it crashed the process (SIGSEGV, issue 21)."""
    import h5py

    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        fill(f)
    return buf.getvalue()


def replace_directory(new: str | os.PathLike, target: str | os.PathLike) -> None:
    """Directory ``new`` renamed to ``target``. An existing ``target`` is moved aside first and removed
    after, so that ``target`` holds the old content or the new, never a mix of both."""
    new, target = Path(new), Path(target)
    check_not_input(target)
    old = target.with_name(f".{target.name}.replaced-{os.getpid()}") if target.exists() else None
    if old is not None:
        os.rename(target, old)
    os.rename(new, target)
    _fsync(target.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


#: In a result set's directory: the names of the files ppf-neuro wrote there (the only ones it may
#: replace or remove), one JSON list.
MANIFEST = ".ppf-neuro-files.json"


def _manifest(out: Path) -> set[str]:
    try:
        names = json.loads((out / MANIFEST).read_text())
        return {n for n in names if isinstance(n, str)} if isinstance(names, list) else set()
    except (OSError, ValueError):
        return set()


@contextlib.contextmanager
def result_set(out: str | os.PathLike, owned: tuple[str, ...], adopt: bool = False) -> Iterator[Path]:
    """A staging directory (inside ``out``, so on its disk) for files that belong together, e.g. a
    table and its plot. Only when every one is written do they replace the previous set in ``out``:
    the files matching ``owned`` (glob patterns) that the new set lacks are removed and each new file
    renamed in (renames take no space). Only files that ppf-neuro wrote there (``out``'s
    :data:`MANIFEST`) are ever removed or replaced: a user's own file that a new member would replace,
    a directory or an input in a member's place, refuses the whole set before any is replaced. With
    ``adopt`` (the caller knows ``out`` is its own, e.g. a sweep directory holding its runs) a directory
    without a manifest, written before manifests existed, has its members' names adopted as ppf-neuro's.
    On any error ``out`` keeps the previous set whole."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    try:
        yield stage
        new = {p.name for p in stage.iterdir()}
        ours = _manifest(out)
        if adopt and not (out / MANIFEST).exists():
            ours |= {name for name in new if (out / name).is_file()}
        for name in sorted(new):  # every member's target first: a set goes in whole or not at all
            target = out / name
            check_not_input(target)
            if target.is_dir() or (target.exists() and name not in ours):
                raise PPFError(f"'{target}' is in the way of this command's output ("
                               + ("a directory" if target.is_dir() else "a file ppf-neuro did not write there")
                               + "): move it, or give another output directory")
        for pattern in owned:
            for old in out.glob(pattern):
                if old.is_file() and old.name in ours and old.name not in new:
                    old.unlink()
        for name in sorted(new):
            os.replace(stage / name, out / name)
        write_text(out / MANIFEST, json.dumps(sorted(n for n in ours | new if (out / n).is_file())) + "\n")
        _fsync(out)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _fsync(path: Path) -> None:
    """Flush a file's (or a directory's entries') data to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def write_json(path: str | os.PathLike, obj) -> None:
    """Write ``obj`` as indented JSON to ``path`` atomically."""
    write_text(path, json.dumps(obj, indent=2, sort_keys=False) + "\n")


def write_csv(path: str | os.PathLike, rows: list[dict]) -> None:
    """Write dict rows as CSV atomically; columns are every key seen, in first-seen order."""
    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(buf, fieldnames=list(dict.fromkeys(k for row in rows for k in row)))
        writer.writeheader()
        writer.writerows(rows)
    write_text(path, buf.getvalue())


@contextlib.contextmanager
def output_locks(paths: list[str | os.PathLike]) -> Iterator[None]:
    """Hold a lock on each output path for the whole command: a second command writing one of them
    meanwhile is refused (one line, naming the first one's pid) instead of silently replacing its
    result. The lock is the kernel's advisory lock (``flock``) on a file ``.NAME.lock`` beside the
    output, which holds the owner's pid for the message: the kernel releases it when its owner
    dies, however it dies, and a pid left in the file (or reused by another process) means nothing."""
    held: list[tuple[Path, int]] = []
    try:
        for path in paths:
            lock = _take_lock(Path(path))
            if lock is not None:
                held.append(lock)
        yield
    finally:
        for lock, fd in held:
            lock.unlink(missing_ok=True)  # before the lock is released: a waiting taker sees it gone
            os.close(fd)


def _take_lock(path: Path) -> tuple[Path, int] | None:
    """(lock file, its open descriptor holding the lock), or None where no lock can be taken (the
    command's own checks then name the unusable place)."""
    path = Path(os.path.abspath(path))  # '.', '..' and 'a/..' name a directory too
    if not path.name:
        return None  # the root: the command's own checks refuse it
    lock = path.with_name(f".{path.name}.lock")
    if not lock.parent.is_dir():
        return None  # nothing can be there yet
    for _ in range(10):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o644)
        except OSError:
            return None  # an unwritable place, or a directory of that name
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise PPFError(f"'{path}' is being written by another ppf-neuro command (pid {owner}); wait for it "
                           f"to finish or choose another path") from None
        except OSError:
            os.close(fd)
            return None  # a filesystem without locks
        try:
            same = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:
            same = False
        if not same:  # its holder removed it between our open and our lock: take the new one
            os.close(fd)
            continue
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        return lock, fd
    raise PPFError(f"'{path}': could not take its lock {lock}")

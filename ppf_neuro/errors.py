"""The one exception type users see, and the one warning.

Anything the user can fix (a bad file, a bad flag, a bad config value) raises
:class:`PPFError` with a message that names the thing and what was expected.
The CLI turns it into one line and exit status 2; everything else is a bug and
keeps its traceback. What still works but will not forever (a config key under
its old name) is a :class:`RenamedKey` warning, one line on the command line.
"""

import sys
import warnings
from contextlib import contextmanager
from contextvars import ContextVar


class PPFError(Exception):
    """A problem with the user's input: files, configs, flags or data."""


class RenamedKey(FutureWarning):
    """A config key under a name it no longer has: read under the new one, said once per key (a
    FutureWarning, which Python shows by default; the CLI prints it as one line)."""


#: Exit statuses of a command that ran but whose result the user asked to be judged: ``deploy``'s
#: outputs differ from its reference; its argmax agrees with the trained model's own outputs
#: (``--expect``) on fewer samples than ``--expect-min``.
DISAGREES = 3
EXPECTATION_UNMET = 4


#: True while a command-line command runs: errors then name its flags, else the Python arguments.
_ON_COMMAND_LINE: ContextVar[bool] = ContextVar("ppf_neuro_on_command_line", default=False)


@contextmanager
def on_command_line():
    """Within: :func:`argument` names command-line flags (the CLI wraps every command in it)."""
    token = _ON_COMMAND_LINE.set(True)
    try:
        yield
    finally:
        _ON_COMMAND_LINE.reset(token)


@contextmanager
def one_line_warnings():
    """Within: ppf-neuro's own warnings (a renamed config key) print as one line each, as the CLI prints its
    errors; other packages' warnings as Python shows them (the CLI wraps every command in it)."""
    with warnings.catch_warnings():
        python_shows = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None):
            if issubclass(category, RenamedKey):
                print("ppf-neuro: warning: " + " ".join(str(message).split()), file=sys.stderr)
            else:
                python_shows(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        yield


def argument(name: str) -> str:
    """How an error names a setting the caller gave: ``--samples`` to a command-line user,
    ``samples`` to a caller of ``ppf.deploy(samples=...)``, who never saw the flag."""
    return "--" + name.replace("_", "-") if _ON_COMMAND_LINE.get() else name


#: How a git-lfs pointer file begins (a clone without ``git lfs pull`` holds these instead of the files).
GIT_LFS_POINTER = b"version https://git-lfs.github.com/spec/"


def check_input_file(path, what: str):
    """``path`` as a Path if it is an existing file; else a PPFError saying what it is instead."""
    from pathlib import Path

    path = Path(path)
    if path.is_dir():
        raise PPFError(f"{what} '{path}' is a directory, not a file")
    if not path.is_file():
        raise PPFError(f"{what} '{path}' does not exist")
    with open(path, "rb") as f:
        if f.read(len(GIT_LFS_POINTER)) == GIT_LFS_POINTER:
            raise PPFError(f"{what} '{path}' is a git-lfs pointer, not the file itself (fetch it: git lfs pull)")
    return path


def read_json_file(path, what: str):
    """The JSON content of the file at ``path``; a PPFError naming ``what`` when it is missing, a
    directory, or not JSON (configs, sweep files, reports and profiles are all read this way)."""
    import json

    path = check_input_file(path, what)
    try:
        return json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise PPFError(f"{what} '{path}' is not valid JSON: {e}") from None

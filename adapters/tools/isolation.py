"""Keeping tool processes out of the engine: its environment and memory are not theirs to read.

A `shell` step runs as the engine's user, and a process may read the environment and memory of
another of the same user through /proc — `tr '\\0' '\\n' < /proc/$PPID/environ` once printed
the store's password. So an engine process (the CLI's, a worker's):

- marks itself non-dumpable (`prctl(PR_SET_DUMPABLE, 0)`, Linux): its /proc files then belong
  to root, and a process without `CAP_SYS_PTRACE` cannot open its `environ` or `mem`;
- blanks the values of its `PLANLEDGER_*` variables in the environment block the kernel shows
  as /proc/PID/environ (the settings were read before; `os.environ` keeps its copy), which
  covers a tool running as root, whom file modes do not stop;
- when it runs as root, starts `shell` commands without `CAP_SYS_PTRACE` (through `setpriv`,
  where it is installed), so they cannot read its memory either.

The `python` tool runs inside the engine's process and sees everything it does: limit what it
may import with `PLANLEDGER_PYTHON_MODULES` (see `python_tool`).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import sys

PR_SET_DUMPABLE = 4
SENSITIVE_PREFIX = b"PLANLEDGER_"
MASK = ord("*")


def isolate_engine_process() -> None:
    """Make this process non-dumpable and blank its `PLANLEDGER_*` values in /proc/PID/environ.

    Does nothing off Linux. Call it once settings are read (they come from `os.environ`).
    """
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    _blank_sensitive_values(libc)


def _blank_sensitive_values(libc: ctypes.CDLL) -> None:
    """Overwrite, in place, the values of `PLANLEDGER_*` entries of the C environment."""
    entries = ctypes.POINTER(ctypes.c_void_p).in_dll(libc, "environ")
    index = 0
    while (address := entries[index]) is not None:
        entry = ctypes.string_at(address)
        name, equals, value = entry.partition(b"=")
        if equals and name.startswith(SENSITIVE_PREFIX) and value:
            ctypes.memset(address + len(name) + 1, MASK, len(value))
        index += 1


def unprivileged_argv(argv: list[str], path: str | None, cwd: str | None) -> list[str]:
    """`argv`, run without `CAP_SYS_PTRACE` when the engine is root and `setpriv` is there.

    A command that cannot be found is left as it is, so that starting it fails as it would
    have (`command_not_found`), not inside `setpriv`.
    """
    if os.geteuid() != 0 or not argv:
        return argv
    setpriv = shutil.which("setpriv")
    if setpriv is None or not _runnable(argv[0], path, cwd):
        return argv
    return [setpriv, "--bounding-set", "-sys_ptrace", "--inh-caps", "-sys_ptrace", "--", *argv]


def _runnable(executable: str, path: str | None, cwd: str | None) -> bool:
    if "/" in executable:
        located = os.path.join(cwd or os.getcwd(), executable)
        return os.path.isfile(located) and os.access(located, os.X_OK)
    return shutil.which(executable, path=path) is not None

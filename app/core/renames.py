"""Renames the standard library lacks: swap two names, rename without replacing.

Linux's ``renameat2(2)`` does both atomically. Where it is missing (another
OS, an old libc, a filesystem that refuses the flags) ``exchange`` says so by
returning False and the caller falls back; ``rename_noreplace`` falls back to
``link`` + ``unlink``, which also fails rather than replace an existing name.
"""

from __future__ import annotations

import ctypes
import errno
import os
import sys
from collections.abc import Callable
from pathlib import Path

_AT_FDCWD = -100
_RENAME_NOREPLACE = 1
_RENAME_EXCHANGE = 2
# The flags unsupported by the kernel or by this filesystem.
_UNSUPPORTED = {errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP}


def _load() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    function.restype = ctypes.c_int
    return function  # type: ignore[no-any-return]


_renameat2 = _load()


def _call(src: Path, dst: Path, flags: int) -> int:
    """0 on success, else the errno (-1 if renameat2 is not available)."""
    if _renameat2 is None:
        return -1
    result = _renameat2(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), flags)
    return 0 if result == 0 else ctypes.get_errno()


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap what the names ``a`` and ``b`` point to.

    False if this system or filesystem cannot; OSError if it can but the swap
    failed (FileNotFoundError when either name is missing).
    """
    code = _call(a, b, _RENAME_EXCHANGE)
    if code == 0:
        return True
    if code == -1 or code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(b))


def rename_noreplace(src: Path, dst: Path) -> None:
    """Rename ``src`` to ``dst``; FileExistsError if ``dst`` exists."""
    code = _call(src, dst, _RENAME_NOREPLACE)
    if code == 0:
        return
    if code != -1 and code not in _UNSUPPORTED:
        raise OSError(code, os.strerror(code), str(dst))
    os.link(src, dst)  # fails with FileExistsError: never replaces
    os.unlink(src)

"""Reading input files safely: regular files only, of bounded size, never blocking.

A named pipe given as a project or pack file would block ``open()`` or ``read()`` forever, and a
device can be endless; both are refused, naming the file, before anything is read from them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from heshan_vetting.errors import InputError
from heshan_vetting.limits import MAX_INPUT_BYTES

__all__ = ["non_regular_kind", "read_input_file", "require_regular_file"]

_CHUNK = 1 << 16


def non_regular_kind(mode: int) -> tuple[str, str] | None:
    """``(English, Chinese)`` name of what a non-regular, non-directory file is; ``None`` for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)", "命名管道（FIFO）"
    if stat.S_ISCHR(mode):
        return "a character device", "字符设备"
    if stat.S_ISBLK(mode):
        return "a block device", "块设备"
    if stat.S_ISSOCK(mode):
        return "a socket", "套接字"
    if stat.S_ISDIR(mode):
        return "a directory", "目录"
    return "not a regular file", "非普通文件"


def _not_regular(path: str | Path, kind: tuple[str, str], error_cls: type[InputError]) -> InputError:
    en, zh = kind
    if en == "a directory":
        return error_cls("This is a directory, not a file.", message_zh="这是一个目录，不是文件。", file=str(path))
    return error_cls(
        f"This is {en}, not a regular file; only regular files are read (give the file itself).",
        message_zh=f"这是{zh}，不是普通文件；只读取普通文件（请指定文件本身）。",
        file=str(path),
    )


def _missing(path: str | Path, error_cls: type[InputError]) -> InputError:
    return error_cls("The file does not exist.", message_zh="文件不存在。", file=str(path))


def _unreadable(path: str | Path, exc: OSError, error_cls: type[InputError]) -> InputError:
    reason = exc.strerror or type(exc).__name__
    return error_cls(f"The file cannot be read: {reason}.", message_zh=f"无法读取文件：{reason}。", file=str(path))


def _too_large(path: str | Path, size: int, limit: int, error_cls: type[InputError]) -> InputError:
    return error_cls(
        f"The file is larger than {limit:,} bytes ({limit // (1024 * 1024)} MiB), the most that is read; "
        "is it the right file?",
        message_zh=f"文件超过 {limit:,} 字节（{limit // (1024 * 1024)} MiB）的读取上限；请确认文件是否正确。",
        file=str(path),
    )


def require_regular_file(path: str | Path, error_cls: type[InputError]) -> None:
    """Raise ``error_cls`` naming ``path`` unless it is an existing regular file (symbolic links followed).

    A directory, a named pipe, a device or a socket is refused without being opened.
    """
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise _missing(path, error_cls) from None
    except OSError as exc:
        raise _unreadable(path, exc, error_cls) from None
    kind = non_regular_kind(st.st_mode)
    if kind is not None:
        raise _not_regular(path, kind, error_cls)


def read_input_file(path: str | Path, error_cls: type[InputError], *, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; anything else is ``error_cls`` naming ``path``.

    The file is checked before it is opened (so a named pipe is never opened) and again once it is open
    (it is opened without blocking, so a file swapped for a pipe in between cannot block either).
    """
    require_regular_file(path, error_cls)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except (FileNotFoundError, NotADirectoryError):
        raise _missing(path, error_cls) from None
    except IsADirectoryError:
        raise _not_regular(path, ("a directory", "目录"), error_cls) from None
    except OSError as exc:
        raise _unreadable(path, exc, error_cls) from None
    try:
        st = os.fstat(fd)
        kind = non_regular_kind(st.st_mode)
        if kind is not None:
            raise _not_regular(path, kind, error_cls)
        if st.st_size > limit:
            raise _too_large(path, st.st_size, limit, error_cls)
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:  # the file grew after it was measured
            raise _too_large(path, total, limit, error_cls)
        return b"".join(chunks)
    except OSError as exc:
        raise _unreadable(path, exc, error_cls) from None
    finally:
        os.close(fd)

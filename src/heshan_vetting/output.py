"""Writing an output file without destroying anything: ``--output`` of the ``check`` and ``coverage`` commands.

:func:`write_output` is what ``-o FILE`` does:

- It refuses (:class:`~heshan_vetting.UsageError`) to write over a file the run reads: a project
  file, a rule pack file, a plugin's input such as a credit list. The output is compared with each
  input by resolved path and by device and inode, so a symbolic or a hard link to an input is
  refused as well.
- A regular file (or a new one) is written atomically: a temporary file in the same directory is
  written, flushed to disk and renamed over the target, so a reader sees the old content or the
  new one, never a part. A new file gets the permissions an ordinary ``open(path, "w")`` would
  give it (``0666`` less the umask); a replaced file keeps its mode (and, where allowed, its owner
  and group). A symbolic link is followed: the file it points to is replaced, not the link.
- A target that is not a regular file (a character or block device such as ``/dev/null``, a named
  pipe) is opened and written directly, never renamed over. ``/dev/stdout``, ``/dev/stderr`` and
  ``/dev/fd/N`` write to the process's own file descriptor, so ``-o /dev/stdout >> log`` appends.
- A directory, a missing parent directory, a socket or a file without write permission is a
  :class:`~heshan_vetting.UsageError` naming the path; nothing is written then, and no temporary
  file is left behind.

:func:`validate_output` makes the same checks without writing, so a command can refuse a bad
target before it does any work.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from heshan_vetting.errors import UsageError

__all__ = ["open_output", "validate_output", "write_output"]

PathArg = str | os.PathLike[str]

_FD_ALIAS = re.compile(r"^/(?:dev/fd|proc/(?:self|thread-self|\d+)/fd)/(\d+)$")
_STD_STREAMS = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}
_MAX_LINKS = 40


@dataclass(frozen=True)
class _Target:
    kind: Literal["fd", "new", "regular", "special"]
    given: str
    """The path as given (for messages)."""
    real: str
    """The path with symbolic links resolved: where a regular file is written."""
    st: os.stat_result | None
    fd: int | None = None


def validate_output(path: PathArg, *, inputs: Iterable[PathArg], field: str = "output") -> None:
    """Check that ``path`` can take the output, without writing anything.

    :param path: the output file.
    :param inputs: every file the run reads (project files, :meth:`Vetter.input_files`).
    :param field: the option named in errors (``--output`` for the command line).
    :raises UsageError: ``path`` is one of ``inputs`` (or a link to one), a directory, a socket,
        a file without write permission, or in a directory that does not exist.
    """
    _inspect(path, list(inputs), field)


def write_output(path: PathArg, text: str | bytes, *, inputs: Iterable[PathArg], field: str = "output") -> None:
    """Write ``text`` (UTF-8, newlines as they are; or bytes as they are) to ``path`` without destroying anything.

    A regular or new file is replaced atomically with the permissions an ordinary write would give
    it; a device or named pipe is written directly; ``/dev/stdout`` and ``/dev/fd/N`` write to the
    process's own descriptor. See the module documentation for every rule.

    :param path: the output file.
    :param text: the whole output: text (written as UTF-8) or the bytes of a binary format.
    :param inputs: every file the run reads (project files, :meth:`Vetter.input_files`); the
        output may be none of them.
    :param field: the option named in errors (``--output`` for the command line).
    :raises UsageError: the target is refused (see :func:`validate_output`) or cannot be written
        (the message gives the system's reason); nothing is left behind then.
    """
    data = text.encode("utf-8") if isinstance(text, str) else text
    with open_output(path, inputs=inputs, field=field) as write:
        write(data)


@contextlib.contextmanager
def open_output(
    path: PathArg, *, inputs: Iterable[PathArg], field: str = "output"
) -> Iterator[Callable[[bytes], None]]:
    """Stream an output to ``path`` piece by piece, with the guarantees of :func:`write_output`.

    Yields a function that writes bytes. A regular or new file is written to a temporary file beside it and
    renamed over it when the block ends without an error; if the block raises, the temporary file is removed
    and the target is left as it was (nothing half-written). A device, a named pipe or ``/dev/stdout`` is
    written as the pieces come.
    """
    target = _inspect(path, list(inputs), field)
    try:
        if target.kind == "fd":
            assert target.fd is not None
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
            fd = target.fd
            yield lambda data: _write_all(fd, data)
            return
        if target.kind == "special":
            fd = _open_special(target, field)
            try:
                yield lambda data: _write_all(fd, data)
            finally:
                os.close(fd)
            return
        tmp, fd = _temporary(target)
        try:
            try:
                if target.st is not None:
                    _keep_owner_and_mode(fd, tmp, target.st)
                yield lambda data: _write_all(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, target.real)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _fsync_directory(os.path.dirname(target.real) or os.curdir)
    except OSError as exc:
        raise _os_error(target.given, exc, field) from None


# -- inspecting the target ----------------------------------------------------------------------


def _inspect(path: PathArg, inputs: list[PathArg], field: str) -> _Target:
    given = os.fspath(path)
    if not isinstance(given, str) or not given:
        raise UsageError(
            "The output file name is empty.",
            message_zh="输出文件名为空。",
            field=field,
        )
    fd = _fd_alias(given)
    if fd is not None:
        try:
            fst = os.fstat(fd)
        except OSError:
            raise UsageError(
                f"{given} is file descriptor {fd}, which is not open in this process.",
                message_zh=f"{given} 指文件描述符 {fd}，但本进程未打开该描述符。",
                file=given,
                field=field,
            ) from None
        _refuse_inputs(given, os.path.realpath(given), fst, inputs, field)
        return _Target("fd", given, given, fst, fd)
    real = os.path.realpath(given)
    try:
        st: os.stat_result | None = os.stat(given)
    except FileNotFoundError:
        st = None
    except NotADirectoryError:
        raise UsageError(
            "A part of the output path that should be a directory is a file.",
            message_zh="输出路径中应为目录的部分是一个文件。",
            file=given,
            field=field,
        ) from None
    except OSError as exc:
        raise _os_error(given, exc, field) from None
    _refuse_inputs(given, real, st, inputs, field)
    if st is None:
        parent = os.path.dirname(real) or os.curdir
        if not os.path.isdir(parent):
            raise UsageError(
                f"The output file's directory does not exist: {parent}.",
                message_zh=f"输出文件所在的目录不存在：{parent}。",
                file=given,
                field=field,
            )
        return _Target("new", given, real, None)
    if stat.S_ISDIR(st.st_mode):
        raise UsageError(
            f"The output path is a directory; give a file name in it, such as {os.path.join(given, 'report.txt')}.",
            message_zh=f"输出路径是一个目录；请给出其中的文件名，如 {os.path.join(given, 'report.txt')}。",
            file=given,
            field=field,
        )
    if stat.S_ISSOCK(st.st_mode):
        raise UsageError(
            "The output path is a socket, which cannot be written as a file.",
            message_zh="输出路径是一个套接字，不能作为文件写入。",
            file=given,
            field=field,
        )
    if stat.S_ISREG(st.st_mode):
        if not os.access(real, os.W_OK):
            raise UsageError(
                "The output file exists and may not be written (no write permission); it is left as it is.",
                message_zh="输出文件已存在且无写权限，未作改动。",
                file=given,
                field=field,
            )
        return _Target("regular", given, real, st)
    return _Target("special", given, real, st)


def _fd_alias(given: str) -> int | None:
    """The descriptor number if ``given`` (or a symbolic link chain from it) is /dev/stdout, /dev/fd/N, …."""
    current = os.path.abspath(given)
    for _ in range(_MAX_LINKS):
        if current in _STD_STREAMS:
            return _STD_STREAMS[current]
        m = _FD_ALIAS.match(current)
        if m is not None and (not m.group(0).startswith("/proc/") or _is_own_proc(current)):
            return int(m.group(1))
        try:
            link = os.readlink(current)
        except OSError:  # not a link, or missing
            return None
        current = os.path.normpath(os.path.join(os.path.dirname(current), link))
    return None


def _is_own_proc(path: str) -> bool:
    part = path.split("/")[2]
    return part in ("self", "thread-self") or part == str(os.getpid())


def _refuse_inputs(given: str, real: str, st: os.stat_result | None, inputs: list[PathArg], field: str) -> None:
    for item in inputs:
        name = os.fspath(item)
        same = os.path.normcase(os.path.realpath(name)) == os.path.normcase(real)
        if not same and st is not None:
            try:
                other = os.stat(name)
            except (OSError, ValueError):  # an input that is gone cannot be destroyed
                continue
            same = (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino)
        if same:
            linked = os.path.abspath(name) != os.path.abspath(given)
            how_en = f" ({given} is the same file, through a link)" if linked else ""
            how_zh = f"（{given} 经链接指向同一文件）" if linked else ""
            raise UsageError(
                f"Refusing to write the output over {name}{how_en}: this run reads that file, and writing "
                "the output there would destroy it. Choose another output file.",
                message_zh=f"拒绝写入：输出文件就是本次运行读取的 {name}{how_zh}，写入将毁掉该文件。请另选输出文件。",
                file=given,
                field=field,
            )


# -- writing ------------------------------------------------------------------------------------


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _open_special(target: _Target, field: str) -> int:
    flags = os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(target.given, flags)
    now = os.fstat(fd)
    if stat.S_ISREG(now.st_mode) or stat.S_ISDIR(now.st_mode):  # replaced since it was inspected
        os.close(fd)
        raise UsageError(
            "The output file was replaced while it was being written; nothing was written. Run again.",
            message_zh="写入时输出文件已被替换，未写入任何内容；请重新运行。",
            file=target.given,
            field=field,
        )
    return fd


def _temporary(target: _Target) -> tuple[str, int]:
    """A new temporary file beside the target (name, open descriptor)."""
    directory = os.path.dirname(target.real) or os.curdir
    base = os.fsencode(os.path.basename(target.real))[:100].decode("utf-8", "ignore")  # room for the suffix
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = os.path.join(directory, f".{base}.{secrets.token_hex(4)}.tmp")
        try:
            return tmp, os.open(tmp, flags, 0o666)  # the kernel applies the umask, as for any new file
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file in {directory}")  # pragma: no cover


def _keep_owner_and_mode(fd: int, tmp: str, old: os.stat_result) -> None:
    fchown = getattr(os, "fchown", None)
    if fchown is not None:
        mine = os.fstat(fd)
        if (mine.st_uid, mine.st_gid) != (old.st_uid, old.st_gid):
            try:  # as root, or to another of the user's groups; otherwise the new file is the user's
                fchown(fd, old.st_uid, old.st_gid)
            except OSError:
                with contextlib.suppress(OSError):
                    fchown(fd, -1, old.st_gid)
    mode = stat.S_IMODE(old.st_mode)
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)
    else:  # pragma: no cover - Windows
        os.chmod(tmp, mode)


def _fsync_directory(directory: str) -> None:
    """Make the rename durable where the platform allows it."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - file systems that do not support it
        pass
    finally:
        os.close(fd)


def _os_error(given: str, exc: OSError, field: str) -> UsageError:
    reason = exc.strerror or str(exc)
    return UsageError(
        f"The output file could not be written: {reason}.",
        message_zh=f"无法写入输出文件：{reason}。",
        file=given,
        field=field,
    )

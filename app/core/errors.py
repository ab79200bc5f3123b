"""Error types of the core. Each carries a short title and says what and where."""

from __future__ import annotations

from app.core.names import quote_name, safe_text, shorten


class TetherError(Exception):
    """Base class for every error Tether reports to a user.

    ``title`` is a few words for a notification header; ``str(error)`` is the
    full message, naming the file and line when there is one. The name is
    quoted (``quote_name``; a very long one cut in the middle) and the
    message made safe to print (``safe_text``): a name from a patch may hold
    terminal escapes.
    """

    title = "Tether error"

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        super().__init__(self._format())

    def _format(self) -> str:
        where = ""
        path = None if self.path is None else quote_name(shorten(self.path))
        if path is not None and self.line is not None:
            where = f"{path}:{self.line}: "
        elif path is not None:
            where = f"{path}: "
        elif self.line is not None:
            where = f"line {self.line}: "
        return f"{where}{safe_text(self.message)}"


class PatchParseError(TetherError):
    """A diff or patch could not be parsed."""

    title = "Malformed patch"


class ApplyError(TetherError):
    """A hunk or edit does not match the file it is meant for."""

    title = "Patch does not apply"


class UnsafePathError(TetherError):
    """A path leads outside the root, into .git, or through a symlink out."""

    title = "Unsafe path"


class PathTooLongError(UnsafePathError):
    """A name longer than the file system allows: it could never be written."""

    title = "Name too long"


class WriteError(TetherError):
    """The OS refused a write (disk full, permission, a file where a folder
    must be); what was written before it in the same set was taken back."""

    title = "Could not write"


def write_failed(
    exc: OSError, path: str | None, *, state: str | None = None, tail: str = ""
) -> WriteError:
    """What to say when the OS refused a write of ``path``: the cause, and
    where, when that was not the file itself (Tether's ``state`` folder: its
    journal or its copies of the texts)."""
    cause = exc.strerror or str(exc) or type(exc).__name__
    where = ""
    filename = exc.filename if isinstance(exc.filename, str) else None
    if filename and state and filename.startswith(state.rstrip("/") + "/"):
        where = f" (in Tether's state folder {quote_name(state)})"
    elif filename and path is None:
        where = f" ({quote_name(filename)})"
    return WriteError(f"{cause}{where}{tail}", path=path)


class StaleFileError(TetherError):
    """The file changed on disk since its hunks were shown; nothing was written."""

    title = "File changed on disk"


class BinaryFileError(TetherError):
    """A file is binary or not UTF-8 and cannot be reviewed as text."""

    title = "Binary or non-UTF-8 file"


class GitError(TetherError):
    """A git command failed."""

    title = "git failed"


class JournalError(TetherError):
    """The decision journal could not be read or written."""

    title = "Journal error"


class UndoError(TetherError):
    """There is nothing to undo or redo, or it can no longer be done safely."""

    title = "Cannot undo"


class ConfigError(TetherError):
    """A configuration file is invalid."""

    title = "Configuration error"


class LeashError(TetherError):
    """A hunk is outside the autonomy slider's scope or over the leash."""

    title = "Out of leash"


class LockedError(TetherError):
    """Another Tether process holds the repository's review lock too long."""

    title = "Repository busy"


class HunkGoneError(TetherError):
    """A command names a hunk that is no longer pending (decided, or re-diffed away)."""

    title = "Hunk no longer pending"


class ReadOnlyError(TetherError):
    """A review opened read-only (a listing) was asked to write."""

    title = "Read-only review"

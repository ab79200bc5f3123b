"""Error types of the core. Each carries a short title and says what and where."""

from __future__ import annotations


class TetherError(Exception):
    """Base class for every error Tether reports to a user.

    ``title`` is a few words for a notification header; ``str(error)`` is the
    full message, naming the file and line when there is one.
    """

    title = "Tether error"

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        super().__init__(self._format())

    def _format(self) -> str:
        where = ""
        if self.path is not None and self.line is not None:
            where = f"{self.path}:{self.line}: "
        elif self.path is not None:
            where = f"{self.path}: "
        elif self.line is not None:
            where = f"line {self.line}: "
        return f"{where}{self.message}"


class PatchParseError(TetherError):
    """A diff or patch could not be parsed."""

    title = "Malformed patch"


class ApplyError(TetherError):
    """A hunk or edit does not match the file it is meant for."""

    title = "Patch does not apply"


class UnsafePathError(TetherError):
    """A path leads outside the root, into .git, or through a symlink out."""

    title = "Unsafe path"


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

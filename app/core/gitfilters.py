"""Git's conversions between the working tree and the index, done by git.

An index blob is a file's *clean* form: what ``git add`` stores after the
path's clean filter, ``text``/``eol`` normalisation, ``ident`` and
``working-tree-encoding``. The working tree holds the *smudged* form. The git
backend reviews clean forms, as ``git diff`` and ``git add -p`` do (see
``backends.WorktreeBackend``), so it needs both directions for a path:

- ``clean(path, raw)``: ``git hash-object -w --path=P --stdin``, read back;
- ``smudge(path, clean)``: the blob stored as is, then ``git cat-file
  --filters --path=P`` (what a checkout would write).

Both run in a throw-away object directory inside the git dir (the real one as
an alternate), so looking at a file never adds objects to the repository and
nothing of it outlives the call.

Most paths have no converting attribute: they skip git altogether. A path
whose only conversions are line endings or ``ident`` skips git when the bytes
give those nothing to do (no CRLF, no ``$Id``): git's clean would return them
unchanged.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.core.gitrepo import GitRepo, run_git

_OFF = ("unset", "false")


@dataclass(frozen=True, slots=True)
class Conversion:
    """What git may do to one path between the index and the working tree."""

    attributes: tuple[tuple[str, str], ...] = ()
    autocrlf: bool = False

    def _on(self, name: str) -> bool:
        return dict(self.attributes).get(name, "unset") not in _OFF

    @property
    def driver(self) -> str | None:
        """The filter driver named by the ``filter`` attribute, if any."""
        value = dict(self.attributes).get("filter")
        return None if value in (None, "set", "unset") else value

    @property
    def converts(self) -> bool:
        return bool(self.attributes and any(v not in _OFF for _k, v in self.attributes)) or (
            self.autocrlf and dict(self.attributes).get("text") != "unset"
        )

    def may_clean(self, raw: bytes) -> bool:
        """Whether git's clean could change ``raw``: a filter or an encoding
        always may; line-ending conversion only removes the CR of a CRLF, and
        ``ident`` only collapses ``$Id: ...$``."""
        if not self.converts:
            return False
        if self.driver or self._on("working-tree-encoding"):
            return True
        if self._on("ident") and b"$Id" in raw:
            return True
        return b"\r\n" in raw and (
            self.autocrlf or self._on("text") or self._on("eol") or self._on("crlf")
        )


NONE = Conversion()


class GitFilters:
    """Clean and smudge for the paths of one repository, as git does them."""

    def __init__(self, repo: GitRepo) -> None:
        self.repo = repo
        self._autocrlf: bool | None = None
        self._dirs: tuple[Path, Path] | None = None
        # The last raw bytes cleaned per path and their clean form: a file is
        # cleaned once per content, not once per look.
        self._cleaned: dict[str, tuple[bytes, bytes]] = {}

    def conversion(self, attributes: dict[str, str]) -> Conversion:
        if self._autocrlf is None:
            # core.autocrlf makes text=auto of every path with no text attribute.
            value = (self.repo.config("core.autocrlf") or "false").lower()
            self._autocrlf = value not in ("false", "no", "off", "0")
        if not attributes and not self._autocrlf:
            return NONE
        return Conversion(tuple(sorted(attributes.items())), self._autocrlf)

    def clean(self, path: str, raw: bytes, conversion: Conversion) -> bytes:
        """``raw`` (working-tree bytes of ``path``) in index form."""
        if not conversion.may_clean(raw):
            return raw
        cached = self._cleaned.get(path)
        if cached is not None and cached[0] == raw:
            return cached[1]
        with self._objects() as env:
            sha = run_git(
                self.repo.root, "hash-object", "-w", f"--path={path}", "--stdin", input=raw, env=env
            )
            clean = run_git(self.repo.root, "cat-file", "blob", sha.decode().strip(), env=env)
        self._cleaned[path] = (raw, clean)
        return clean

    def smudge(self, path: str, clean: bytes, conversion: Conversion) -> bytes:
        """``clean`` (index-form bytes of ``path``) as a checkout would write it."""
        if not conversion.converts:
            return clean
        with self._objects() as env:
            sha = run_git(self.repo.root, "hash-object", "-w", "--stdin", input=clean, env=env)
            return run_git(
                self.repo.root,
                "cat-file",
                "--filters",
                f"--path={path}",
                sha.decode().strip(),
                env=env,
            )

    @contextmanager
    def _objects(self) -> Iterator[dict[str, str]]:
        """A private object directory for one conversion (inside the git dir,
        where ``git add`` would have put the same bytes), removed after."""
        if self._dirs is None:
            self._dirs = self.repo.git_dirs()
        git_dir, objects = self._dirs
        scratch = tempfile.mkdtemp(prefix="tether-convert-", dir=git_dir)
        try:
            yield {
                "GIT_OBJECT_DIRECTORY": scratch,
                "GIT_ALTERNATE_OBJECT_DIRECTORIES": str(objects),
            }
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

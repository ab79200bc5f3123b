"""Git's rules on accept: Tether against ``git add -p`` and ``git checkout -p``.

For each attribute setup a repository is built with a committed file and a
working-tree change of several hunks, then copied. In one copy real git
decides (``git add -p`` / ``git checkout -p`` driven by y/n answers on
stdin); in the other Tether decides the same hunks through the review
service, as every front end does. The index entries, the index blobs and the
file on disk must then be byte-identical. Before that, the hunks Tether shows
must be git's own (``git diff``): the review compares like with like.

The setups: ``text eol=crlf``; ``core.autocrlf=true`` with no attribute; a clean filter that strips a secret
(``sed s/hunter2/REDACTED/``); ``export-subst`` (archive only: staging must
leave ``$Format:…$`` alone); ``ident``; a line-wise clean/smudge pair (rot13);
and an LFS-style pair storing contents outside git behind a pointer
(git-lfs itself is not installed here; it is the same clean/smudge path).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import git, index_bytes, worktree_bytes

from app.core.errors import ApplyError
from app.core.unified import parse_patch
from app.review.commands import Decide, Undo
from app.review.service import ReviewService
from app.review.sources import open_review, open_source

LINES = 30
EDITED = (3, 15, 27)  # far enough apart to be three hunks with 3 lines of context

LFS_CLEAN = """#!/bin/sh
# An LFS-style clean filter: the content goes to a store, the index gets a pointer.
tmp=$(mktemp) || exit 1
cat > "$tmp"
oid=$(sha256sum < "$tmp" | cut -d' ' -f1)
size=$(wc -c < "$tmp" | tr -d ' ')
mv "$tmp" "{store}/$oid"
printf 'version https://git-lfs.github.com/spec/v1\\noid sha256:%s\\nsize %s\\n' "$oid" "$size"
"""
LFS_SMUDGE = """#!/bin/sh
# Its smudge: a pointer becomes the stored content; anything else passes through.
tmp=$(mktemp) || exit 1
cat > "$tmp"
oid=$(sed -n 's/^oid sha256://p' "$tmp")
if [ -n "$oid" ] && [ -f "{store}/$oid" ]; then cat "{store}/$oid"; else cat "$tmp"; fi
rm -f "$tmp"
"""


@dataclass(frozen=True)
class Setup:
    name: str
    path: str
    attributes: str
    # The committed text's lines, and how the working tree writes a text.
    first_line: str = ""
    crlf: bool = False
    config: tuple[tuple[str, str], ...] = ()
    # Check the file out again after the commit (ident expands only then).
    checkout: bool = False

    def text(self, edited: bool) -> bytes:
        lines = [f"line {n:02d} of the file\n" for n in range(1, LINES + 1)]
        if self.first_line:
            lines[0] = self.first_line + "\n"
        if edited:
            for n in EDITED:
                lines[n - 1] = f"LINE {n:02d} CHANGED by the agent\n"
        data = "".join(lines)
        return (data.replace("\n", "\r\n") if self.crlf else data).encode()


ROT13 = "tr A-Za-z N-ZA-Mn-za-m"
SETUPS = {
    "eol-crlf": Setup("eol-crlf", "notes.txt", "*.txt text eol=crlf\n", crlf=True),
    "autocrlf": Setup(
        "autocrlf", "notes.md", "", crlf=True, config=(("core.autocrlf", "true"),), checkout=True
    ),
    "clean-filter": Setup(
        "clean-filter",
        "app.cfg",
        "*.cfg filter=redact\n",
        first_line="password = hunter2",
        config=(("filter.redact.clean", "sed s/hunter2/REDACTED/"),),
    ),
    "export-subst": Setup(
        "export-subst",
        "version.py",
        "*.py export-subst\n",
        first_line='__version__ = "$Format:%H$"',
    ),
    "ident": Setup("ident", "main.c", "*.c ident\n", first_line="/* $Id$ */", checkout=True),
    "clean-smudge": Setup(
        "clean-smudge",
        "text.rot",
        "*.rot filter=rot13\n",
        config=(("filter.rot13.clean", ROT13), ("filter.rot13.smudge", ROT13)),
    ),
    "lfs-style": Setup(
        "lfs-style",
        "data.bin",
        "*.bin filter=fakelfs\n",
        config=(("filter.fakelfs.clean", "{bin}/clean"), ("filter.fakelfs.smudge", "{bin}/smudge")),
        checkout=True,
    ),
}
# The setups whose files survive git's clean then smudge (a reject may rewrite them).
ROUND_TRIP = [name for name in SETUPS if name != "clean-filter"]


def build(tmp_path: Path, setup: Setup, *, edited: bool = True) -> Path:
    """A repository with ``setup``'s file committed and (``edited``) changed on disk."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    tools = tmp_path / "bin"
    store = tmp_path / "lfs-store"
    tools.mkdir()
    store.mkdir()
    for name, script in (("clean", LFS_CLEAN), ("smudge", LFS_SMUDGE)):
        (tools / name).write_text(script.format(store=store), encoding="utf-8")
        (tools / name).chmod(0o755)
    for key, value in setup.config:
        git(repo, "config", key, value.format(bin=tools))
    (repo / ".gitattributes").write_text(setup.attributes, encoding="utf-8")
    (repo / setup.path).write_bytes(setup.text(edited=False))
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit", "-qm", "base")
    if setup.checkout:
        (repo / setup.path).unlink()
        git(repo, "checkout", "--", setup.path)
    if edited:
        (repo / setup.path).write_bytes(edit(setup, (repo / setup.path).read_bytes()))
    return repo


def edit(setup: Setup, on_disk: bytes) -> bytes:
    """The agent's edit of the file as checked out: EDITED lines replaced, the
    rest (an expanded $Id$, CRLF) as git left it."""
    eol = b"\r\n" if setup.crlf else b"\n"
    lines = on_disk.split(eol)
    for n in EDITED:
        lines[n - 1] = b"LINE %02d CHANGED by the agent" % n
    return eol.join(lines)


def copy(repo: Path, tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(repo, target, symlinks=True)
    return target


def git_interactive(repo: Path, command: str, path: str, answers: str) -> None:
    """``git add -p`` or ``git checkout -p`` of ``path``, answering y/n per hunk."""
    subprocess.run(
        ["git", "-c", "core.pager=cat", "-c", "interactive.singleKey=false", command, "-p"]
        + ["--", path],
        cwd=repo,
        input="".join(a + "\n" for a in answers).encode(),
        capture_output=True,
        check=True,
        timeout=60,
    )


def review(repo: Path) -> ReviewService:
    return open_review(open_source(None, repo))


def decide(service: ReviewService, op: str, path: str, answers: str) -> None:
    """Decide the hunks answered y, one command each, as keys would."""
    ids = [h.id for h in service.view(path).hunks]
    assert len(ids) == len(answers), "Tether shows as many hunks as git asks about"
    for hunk_id, answer in zip(ids, answers, strict=True):
        if answer == "y":
            service.execute(Decide(op, path, (hunk_id,)))


def index_entry(repo: Path, path: str) -> bytes:
    return git(repo, "ls-files", "--stage", "--", path)


def git_hunks(repo: Path, path: str) -> list[tuple[int, int, int, int, list[tuple[str, str]]]]:
    out = git(repo, "-c", "diff.algorithm=histogram", "diff", "--no-ext-diff", "--", path)
    (file_patch,) = parse_patch(out, source="git diff").files
    return [
        (h.old_start, h.old_len, h.new_start, h.new_len, [(ln.kind, ln.raw) for ln in h.lines])
        for h in file_patch.hunks
    ]


# -- the review compares like with like ----------------------------------------------------


@pytest.mark.parametrize("name", list(SETUPS))
def test_the_hunks_shown_are_git_diffs(tmp_path: Path, isolated_home: Path, name: str) -> None:
    setup = SETUPS[name]
    repo = build(tmp_path, setup)
    service = review(repo)
    shown = [
        (h.old_start, h.old_len, h.new_start, h.new_len, [(ln.kind, ln.raw) for ln in h.lines])
        for h in service.view(setup.path).hunks
    ]
    assert shown == git_hunks(repo, setup.path)


@pytest.mark.parametrize("name", list(SETUPS))
def test_a_file_put_back_as_checked_out_has_nothing_to_review(
    tmp_path: Path, isolated_home: Path, name: str
) -> None:
    """Its CRLF, expanded $Id$ or secret are only on disk: git sees no change."""
    setup = SETUPS[name]
    repo = build(tmp_path, setup)
    service = review(repo)
    assert service.view(setup.path).hunks
    (tmp_path / "again").mkdir()
    checked_out = build(tmp_path / "again", setup, edited=False) / setup.path
    (repo / setup.path).write_bytes(checked_out.read_bytes())
    service.disk_changed({setup.path}, service.list_changes({setup.path}))
    assert git(repo, "diff", "--name-only") == b""
    assert service.view(setup.path).hunks == ()


# -- accept is git add -p ------------------------------------------------------------------


def answers_for(name: str) -> list[str]:
    # An LFS-style file is one pointer hunk; the others have three.
    return ["y", "n"] if name == "lfs-style" else ["yyy", "yny", "nny"]


CASES = [(name, answers) for name in SETUPS for answers in answers_for(name)]


@pytest.mark.parametrize(("name", "answers"), CASES)
def test_accept_stages_what_git_add_p_stages(
    tmp_path: Path, isolated_home: Path, name: str, answers: str
) -> None:
    setup = SETUPS[name]
    repo = build(tmp_path, setup)
    by_git, by_tether = copy(repo, tmp_path, "git"), copy(repo, tmp_path, "tether")
    git_interactive(by_git, "add", setup.path, answers)
    decide(review(by_tether), "accept", setup.path, answers)
    assert index_bytes(by_tether, setup.path) == index_bytes(by_git, setup.path)
    assert index_entry(by_tether, setup.path) == index_entry(by_git, setup.path)
    # Accepting never touches the file on disk.
    assert worktree_bytes(by_tether, setup.path) == worktree_bytes(repo, setup.path)


@pytest.mark.parametrize("name", list(SETUPS))
def test_accepting_a_new_file_stages_what_git_add_stages(
    tmp_path: Path, isolated_home: Path, name: str
) -> None:
    setup = SETUPS[name]
    repo = build(tmp_path, setup)
    created = "new-" + setup.path
    (repo / created).write_bytes((repo / setup.path).read_bytes())
    by_git, by_tether = copy(repo, tmp_path, "git"), copy(repo, tmp_path, "tether")
    git(by_git, "add", "--", created)
    service = review(by_tether)
    service.execute(Decide("accept", created, service.all_hunks(created)))
    assert index_bytes(by_tether, created) == index_bytes(by_git, created)
    assert index_entry(by_tether, created) == index_entry(by_git, created)
    if name == "clean-filter":
        assert b"hunter2" not in (index_bytes(by_tether, created) or b"")


# -- reject is git checkout -p -------------------------------------------------------------


REJECT_CASES = [(name, answers) for name in ROUND_TRIP for answers in answers_for(name)]


@pytest.mark.parametrize(("name", "answers"), REJECT_CASES)
def test_reject_leaves_what_git_checkout_p_leaves(
    tmp_path: Path, isolated_home: Path, name: str, answers: str
) -> None:
    setup = SETUPS[name]
    repo = build(tmp_path, setup)
    by_git, by_tether = copy(repo, tmp_path, "git"), copy(repo, tmp_path, "tether")
    git_interactive(by_git, "checkout", setup.path, answers)
    decide(review(by_tether), "reject", setup.path, answers)
    assert worktree_bytes(by_tether, setup.path) == worktree_bytes(by_git, setup.path)
    assert index_entry(by_tether, setup.path) == index_entry(repo, setup.path)


@pytest.mark.parametrize(
    ("name", "op"), [(n, op) for n in ROUND_TRIP for op in ("accept", "reject")]
)
def test_undo_gives_back_the_exact_bytes(
    tmp_path: Path, isolated_home: Path, name: str, op: str
) -> None:
    setup = SETUPS[name]
    repo = build(tmp_path, setup)
    index, disk = index_entry(repo, setup.path), worktree_bytes(repo, setup.path)
    service = review(repo)
    every = answers_for(name)[0]
    decide(service, op, setup.path, every)
    assert (index_entry(repo, setup.path), worktree_bytes(repo, setup.path)) != (index, disk)
    for _decision in every:
        service.execute(Undo())
    assert index_entry(repo, setup.path) == index
    assert worktree_bytes(repo, setup.path) == disk


def test_reject_is_refused_where_git_checkout_p_would_lose_what_the_filter_strips(
    tmp_path: Path, isolated_home: Path
) -> None:
    """The clean filter turns the secret on disk into REDACTED; the file has no
    smudge, so git checkout -p writes REDACTED back over the user's password
    though no hunk named that line. Tether refuses and writes nothing."""
    setup = SETUPS["clean-filter"]
    repo = build(tmp_path, setup)
    by_git = copy(repo, tmp_path, "git")
    git_interactive(by_git, "checkout", setup.path, "nny")
    assert b"hunter2" not in (worktree_bytes(by_git, setup.path) or b"")  # git's loss
    before = worktree_bytes(repo, setup.path)
    service = review(repo)
    last = service.view(setup.path).hunks[-1].id
    with pytest.raises(ApplyError, match="filter"):
        service.execute(Decide("reject", setup.path, (last,)))
    assert worktree_bytes(repo, setup.path) == before
    assert last in service.all_hunks(setup.path)


# -- attributes that change while the review is open ---------------------------------------


def test_a_gitattributes_change_rereads_the_files_it_applies_to(
    tmp_path: Path, isolated_home: Path
) -> None:
    setup = SETUPS["eol-crlf"]
    repo = build(tmp_path, setup)
    service = review(repo)
    assert len(service.view(setup.path).hunks) == 3
    # Without the attribute every line of the CRLF file differs from the LF blob.
    (repo / ".gitattributes").write_text("", encoding="utf-8")
    service.disk_changed({".gitattributes"}, service.list_changes({".gitattributes"}))
    assert len(service.view(setup.path).hunks) == len(git_hunks(repo, setup.path)) == 1

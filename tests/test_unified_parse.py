"""Parsing and rendering unified/git diffs: unit tables, the shared corpus,
and a round trip through ``git apply``."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from app.core.errors import PatchParseError
from app.core.model import FilePatch, FileStatus, Patch
from app.core.unified import BINARY_NOTE, parse_patch, render_patch

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
NO_CORPUS = pytest.mark.skip(reason=f"shared corpus not found at {CORPUS}")


def corpus_files(folder: str, pattern: str = "*") -> list[Any]:
    base = CORPUS / folder
    if not base.is_dir():
        return [pytest.param(None, marks=NO_CORPUS, id="no-corpus")]
    found = sorted(
        p for p in base.glob(pattern) if p.is_file() and not p.name.startswith("LICENSE")
    )
    return [pytest.param(p, id=p.name) for p in found]


def only_file(text: str | bytes) -> FilePatch:
    patch = parse_patch(text)
    assert len(patch.files) == 1
    return patch.files[0]


def lines_of(fp: FilePatch, hunk: int = 0) -> list[tuple[str, str]]:
    return [(line.kind, line.raw) for line in fp.hunks[hunk].lines]


# --- unit cases: what each kind of input becomes ---------------------------------

GIT_MOD = "diff --git a/f.txt b/f.txt\nindex 1111111..2222222 100644\n--- a/f.txt\n+++ b/f.txt\n"

# name -> (patch text, expected FilePatch fields, expected (kind, raw) lines of hunk 0)
PARSE_CASES: dict[str, tuple[str, dict[str, Any], list[tuple[str, str]] | None]] = {
    "crlf-content": (
        GIT_MOD + "@@ -1,2 +1,2 @@\n a\r\n-b\r\n+c\r\n",
        {"old_path": "f.txt", "new_path": "f.txt", "status": FileStatus.MODIFIED},
        [(" ", "a\r\n"), ("-", "b\r\n"), ("+", "c\r\n")],
    ),
    "crlf-everywhere": (
        "diff --git a/f.txt b/f.txt\r\n--- a/f.txt\r\n+++ b/f.txt\r\n"
        "@@ -1,2 +1,2 @@ sec\r\n a\r\n-b\r\n+c\r\n",
        {"old_path": "f.txt", "new_path": "f.txt"},
        [(" ", "a\r\n"), ("-", "b\r\n"), ("+", "c\r\n")],
    ),
    "lone-cr-inside-a-line": (
        GIT_MOD + "@@ -1 +1 @@\n-a\rb\n+a\rc\n",
        {},
        [("-", "a\rb\n"), ("+", "a\rc\n")],
    ),
    "no-newline-old-side": (
        GIT_MOD + "@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+a\n",
        {},
        [("-", "a"), ("+", "a\n")],
    ),
    "no-newline-new-side": (
        GIT_MOD + "@@ -1 +1 @@\n-a\n+a\n\\ No newline at end of file\n",
        {},
        [("-", "a\n"), ("+", "a")],
    ),
    "no-newline-both-sides-crlf": (
        GIT_MOD + "@@ -1,2 +1,2 @@\n-x\n+y\n z\r\n\\ No newline at end of file\n",
        {},
        [("-", "x\n"), ("+", "y\n"), (" ", "z\r")],
    ),
    "new-file": (
        "diff --git a/n.py b/n.py\nnew file mode 100755\nindex 0000000..1234567\n"
        "--- /dev/null\n+++ b/n.py\n@@ -0,0 +1,2 @@\n+x\n+y\n",
        {
            "old_path": None,
            "new_path": "n.py",
            "status": FileStatus.ADDED,
            "new_mode": "100755",
            "old_mode": None,
        },
        [("+", "x\n"), ("+", "y\n")],
    ),
    "new-empty-file": (
        "diff --git a/e b/e\nnew file mode 100644\nindex 0000000..e69de29\n",
        {"old_path": None, "new_path": "e", "status": FileStatus.ADDED, "hunks": []},
        None,
    ),
    "deleted-file": (
        "diff --git a/d.txt b/d.txt\ndeleted file mode 100644\nindex 1234567..0000000\n"
        "--- a/d.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-gone\n",
        {"old_path": "d.txt", "new_path": None, "status": FileStatus.DELETED, "old_mode": "100644"},
        [("-", "gone\n")],
    ),
    "renamed-no-change": (
        "diff --git a/old/x.py b/new/y.py\nsimilarity index 100%\n"
        "rename from old/x.py\nrename to new/y.py\n",
        {
            "old_path": "old/x.py",
            "new_path": "new/y.py",
            "status": FileStatus.RENAMED,
            "similarity": 100,
            "hunks": [],
        },
        None,
    ),
    "renamed-and-edited": (
        "diff --git a/a.txt b/b.txt\nsimilarity index 88%\nrename from a.txt\nrename to b.txt\n"
        "index 1111111..2222222 100644\n--- a/a.txt\n+++ b/b.txt\n@@ -1 +1 @@\n-p\n+q\n",
        {"old_path": "a.txt", "new_path": "b.txt", "status": FileStatus.RENAMED, "similarity": 88},
        [("-", "p\n"), ("+", "q\n")],
    ),
    "copied": (
        "diff --git a/src.c b/dst.c\nsimilarity index 100%\ncopy from src.c\ncopy to dst.c\n",
        {"old_path": "src.c", "new_path": "dst.c", "status": FileStatus.COPIED, "similarity": 100},
        None,
    ),
    "mode-only": (
        "diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\n",
        {
            "old_path": "run.sh",
            "status": FileStatus.MODIFIED,
            "old_mode": "100644",
            "new_mode": "100755",
            "hunks": [],
        },
        None,
    ),
    "binary-stub": (
        "diff --git a/i.png b/i.png\nindex 1111111..2222222 100644\n"
        "Binary files a/i.png and b/i.png differ\n",
        {
            "old_path": "i.png",
            "new_path": "i.png",
            "binary": True,
            "note": BINARY_NOTE,
            "hunks": [],
        },
        None,
    ),
    "git-binary-patch": (
        "diff --git a/b.bin b/b.bin\nnew file mode 100644\nindex 0000000..e7683ad\n"
        "GIT binary patch\nliteral 3\nKcmZQbOacG_Cji6%\n\nliteral 0\nHcmV?d00001\n\n",
        {"old_path": None, "new_path": "b.bin", "status": FileStatus.ADDED, "binary": True},
        None,
    ),
    "plain-binary-stub": (
        "Binary files a/x.bin and b/x.bin differ\n",
        {"old_path": "x.bin", "new_path": "x.bin", "binary": True},
        None,
    ),
    "quoted-names-with-escapes": (
        'diff --git "a/sp ace\\t\\"q\\".txt" "b/sp ace\\t\\"q\\".txt"\n'
        'index 1111111..2222222 100644\n--- "a/sp ace\\t\\"q\\".txt"\n'
        '+++ "b/sp ace\\t\\"q\\".txt"\n@@ -1 +1 @@\n-a\n+b\n',
        {"old_path": 'sp ace\t"q".txt', "new_path": 'sp ace\t"q".txt'},
        [("-", "a\n"), ("+", "b\n")],
    ),
    "quoted-octal-utf8": (
        'diff --git "a/\\303\\274.md" "b/\\303\\274.md"\nnew file mode 100644\n'
        'index 0000000..1111111\n--- /dev/null\n+++ "b/\\303\\274.md"\n@@ -0,0 +1 @@\n+x\n',
        {"old_path": None, "new_path": "ü.md", "status": FileStatus.ADDED},
        [("+", "x\n")],
    ),
    "names-with-spaces": (
        "diff --git a/my dir/a b.txt b/my dir/a b.txt\nindex 1111111..2222222 100644\n"
        "--- a/my dir/a b.txt\t\n+++ b/my dir/a b.txt\t\n@@ -1 +1 @@\n-a\n+b\n",
        {"old_path": "my dir/a b.txt", "new_path": "my dir/a b.txt"},
        [("-", "a\n"), ("+", "b\n")],
    ),
    "section-header": (
        GIT_MOD + "@@ -10,3 +10,3 @@ def f(x):\n a\n-b\n+c\n d\n",
        {},
        [(" ", "a\n"), ("-", "b\n"), ("+", "c\n"), (" ", "d\n")],
    ),
    "plain-diff-with-timestamps": (
        "--- lao\t2002-02-21 23:30:39.942229878 -0800\n"
        "+++ tzu\t2002-02-21 23:30:50.442260588 -0800\n@@ -1 +1 @@\n-a\n+b\n",
        {"old_path": "lao", "new_path": "tzu", "status": FileStatus.MODIFIED},
        [("-", "a\n"), ("+", "b\n")],
    ),
    "plain-diff-space-timestamp": (
        "--- f.in    2019-01-29 14:25:32.384682572 +0100\n"
        "+++ f.out   2019-01-29 14:25:32.384682572 +0100\n@@ -1 +1 @@\n-a\n+b\n",
        {"old_path": "f.in", "new_path": "f.out"},
        None,
    ),
    "svn-index-header": (
        "Index: p/q.c\n===================================================================\n"
        "--- p/q.c\t(revision 1)\n+++ p/q.c\t(working copy)\n@@ -1 +1 @@\n-a\n+b\n",
        {"old_path": "p/q.c", "new_path": "p/q.c"},
        None,
    ),
    "plain-new-file-via-dev-null": (
        "--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1 @@\n+x\n",
        {"old_path": None, "new_path": "new.txt", "status": FileStatus.ADDED},
        [("+", "x\n")],
    ),
    "git-no-prefix": (
        "diff --git f.txt f.txt\nindex 1111111..2222222 100644\n--- f.txt\n+++ f.txt\n"
        "@@ -1 +1 @@\n-a\n+b\n",
        {"old_path": "f.txt", "new_path": "f.txt"},
        None,
    ),
    "git-mnemonic-prefix": (
        "diff --git i/f.txt w/f.txt\nindex 1111111..2222222 100644\n--- i/f.txt\n+++ w/f.txt\n"
        "@@ -1 +1 @@\n-a\n+b\n",
        {"old_path": "f.txt", "new_path": "f.txt"},
        None,
    ),
    "patch-missing-final-newline": (
        GIT_MOD + "@@ -1 +1 @@\n-a\n+b",
        {},
        [("-", "a\n"), ("+", "b\n")],
    ),
    "email-signature-after-hunk": (
        "Subject: [PATCH] x\n\n---\n f.txt | 2 +-\n\n"
        + GIT_MOD
        + "@@ -1 +1 @@\n-a\n+b\n-- \n2.43.0\n\n",
        {"old_path": "f.txt"},
        [("-", "a\n"), ("+", "b\n")],
    ),
}


@pytest.mark.parametrize("name", sorted(PARSE_CASES))
def test_parse_cases(name: str) -> None:
    text, fields, lines = PARSE_CASES[name]
    fp = only_file(text)
    for field, want in fields.items():
        assert getattr(fp, field) == want, field
    if lines is not None:
        assert lines_of(fp) == lines
    assert all(h.id for h in fp.hunks)


@pytest.mark.parametrize("name", sorted(PARSE_CASES))
def test_parse_cases_round_trip(name: str) -> None:
    patch = parse_patch(PARSE_CASES[name][0])
    assert parse_patch(render_patch(patch)) == patch


def test_line_numbers_and_section() -> None:
    fp = only_file(GIT_MOD + "@@ -10,3 +10,4 @@ class A:\n a\n-b\n+c\n+d\n e\n")
    hunk = fp.hunks[0]
    assert (hunk.old_start, hunk.old_len, hunk.new_start, hunk.new_len) == (10, 3, 10, 4)
    assert hunk.section == "class A:"
    numbers = [(line.kind, line.old_no, line.new_no) for line in hunk.lines]
    assert numbers == [
        (" ", 10, 10),
        ("-", 11, None),
        ("+", None, 11),
        ("+", None, 12),
        (" ", 12, 13),
    ]


def test_bytes_input_and_utf8() -> None:
    fp = only_file(("--- a/ü\n+++ b/ü\n@@ -1 +1 @@\n-ä\n+ö\n").encode())
    assert fp.path == "ü" and lines_of(fp) == [("-", "ä\n"), ("+", "ö\n")]


def test_multiple_files_get_distinct_ids() -> None:
    text = (
        GIT_MOD
        + "@@ -1 +1 @@\n-a\n+b\n"
        + GIT_MOD.replace("f.txt", "g.txt")
        + ("@@ -1 +1 @@\n-a\n+b\n@@ -5 +5 @@\n-a\n+b\n")
    )
    patch = parse_patch(text)
    assert [fp.path for fp in patch.files] == ["f.txt", "g.txt"]
    ids = [h.id for fp in patch.files for h in fp.hunks]
    assert len(set(ids)) == 3


# --- malformed input: PatchParseError naming source, line and problem --------------

HUNK_HDR = "--- a/f\n+++ b/f\n"
# name -> (input, 1-based line the error names, fragment of the message)
ERROR_CASES: dict[str, tuple[str | bytes, int, str]] = {
    "shorter-at-eof": (HUNK_HDR + "@@ -1,3 +1,3 @@\n a\n-b\n+c\n", 3, "shorter than its header"),
    "shorter-before-next-hunk": (
        HUNK_HDR + "@@ -1,3 +1,3 @@\n a\n-b\n+c\n@@ -9 +9 @@\n-x\n+y\n",
        7,
        "shorter than its header",
    ),
    "longer-inside": (HUNK_HDR + "@@ -1 +1 @@\n-a\n-b\n+c\n", 5, "longer than its header"),
    "longer-after-counts-met": (
        HUNK_HDR + "@@ -1 +1 @@\n-a\n+b\n c\n",
        6,
        "longer than its header",
    ),
    "line-without-prefix": (HUNK_HDR + "@@ -1,2 +1,2 @@\n-a\n+b\n\tc\n", 6, "missing its"),
    "no-diff-at-all": ("just some prose\nand more\n", 1, "no file changes found"),
    "empty-input": ("", 1, "no file changes found"),
    "context-diff": (
        "*** a\t2020\n--- b\t2020\n***************\n*** 1 ****\n! x\n--- 1 ----\n! y\n",
        3,
        "context diff",
    ),
    "normal-diff": ("1c1\n< a\n---\n> b\n", 1, "normal diff"),
    "ed-script": ("1c\nb\n.\n", 1, "ed script"),
    "rcs-diff": ("d1 1\na1 1\nb\n", 1, "RCS diff"),
    "invalid-utf8": (b"--- a/f\n+++ b/f\n@@ -1 +1 @@\n-\xff\n+b\n", 4, "byte offset 29"),
    "no-newline-mid-side": (
        HUNK_HDR + "@@ -1,2 +1,1 @@\n-a\n\\ No newline at end of file\n-b\n+c\n",
        5,
        "not the last",
    ),
    "marker-outside-hunk": ("\\ No newline at end of file\n", 1, "outside a hunk"),
    "hunk-without-file-header": ("@@ -1 +1 @@\n-a\n+b\n", 1, "without a '---'/'+++'"),
    "plus-without-minus": ("+++ b/f\n@@ -1 +1 @@\n-a\n+b\n", 1, "'+++' line without"),
    "plus-names-other-file": (
        "diff --git a/f b/f\n--- a/f\n+++ b/g\n@@ -1 +1 @@\n-a\n+b\n",
        3,
        "another file",
    ),
    "one-at-sign-header": (
        HUNK_HDR + "@@ -1 +1 @@\n-a\n+b\n@@ -5 +5 @\n-c\n+d\n",
        6,
        "malformed hunk header",
    ),
    "hunk-changes-nothing": (HUNK_HDR + "@@ -1 +1 @@\n a\n", 3, "changes nothing"),
    "both-sides-dev-null": ("--- /dev/null\n+++ /dev/null\n@@ -0,0 +1 @@\n+a\n", 2, "/dev/null"),
}


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_malformed_input_is_refused_with_location(name: str) -> None:
    data, line, fragment = ERROR_CASES[name]
    with pytest.raises(PatchParseError) as info:
        parse_patch(data, source="in.diff")
    assert type(info.value) is PatchParseError
    assert info.value.path == "in.diff" and info.value.line == line
    assert str(info.value).startswith(f"in.diff:{line}: ")
    assert fragment in str(info.value)


# --- rendering ---------------------------------------------------------------------


def test_render_exact_text() -> None:
    text = (
        "diff --git a/f.txt b/f.txt\n--- a/f.txt\n+++ b/f.txt\n"
        "@@ -1,2 +1,2 @@ sec\n a\r\n-b\n\\ No newline at end of file\n+c\n"
    )
    assert render_patch(parse_patch(text)) == text
    assert render_patch(parse_patch(text).files[0]) == text


@pytest.mark.parametrize(
    ("fp", "expected"),
    [
        (
            FilePatch("a", "b", status=FileStatus.RENAMED, similarity=100),
            "diff --git a/a b/b\nsimilarity index 100%\nrename from a\nrename to b\n",
        ),
        (
            FilePatch("x y", "x y", old_mode="100644", new_mode="100755"),
            "diff --git a/x y b/x y\nold mode 100644\nnew mode 100755\n",
        ),
        (
            FilePatch('q"\t', 'q"\t', binary=True, note=BINARY_NOTE),
            'diff --git "a/q\\"\\t" "b/q\\"\\t"\nindex 0000000..0000000\n'
            'Binary files "a/q\\"\\t" and "b/q\\"\\t" differ\n',
        ),
        (
            FilePatch(None, "e", status=FileStatus.ADDED, new_mode="100644"),
            "diff --git a/e b/e\nnew file mode 100644\n",
        ),
    ],
    ids=["rename", "mode-and-space", "quoted-binary", "empty-new-file"],
)
def test_render_headers(fp: FilePatch, expected: str) -> None:
    assert render_patch(fp) == expected
    assert parse_patch(expected).files[0] == fp


def test_render_add_or_delete_without_mode_is_a_plain_diff() -> None:
    patch = parse_patch("--- a/f\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n")
    text = render_patch(patch)
    assert text == "--- a/f\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n"
    assert parse_patch(text) == patch


def test_render_modeless_add_or_delete_without_hunks_gets_a_mode() -> None:
    # Only a mode line can say "create" or "delete" for an empty file.
    assert render_patch(FilePatch(None, "e", status=FileStatus.ADDED)) == (
        "diff --git a/e b/e\nnew file mode 100644\n"
    )
    assert render_patch(FilePatch("e", None, status=FileStatus.DELETED)) == (
        "diff --git a/e b/e\ndeleted file mode 100644\n"
    )


def test_render_plain_file_after_hunkless_git_header() -> None:
    # A plain "--- a/x" after a git header with no hunks would be read as part
    # of that header, so the plain file is given a git header too.
    deleted = parse_patch("--- a/x\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n").files[0]
    patch = Patch([FilePatch("a", "b", status=FileStatus.RENAMED, similarity=100), deleted])
    text = render_patch(patch)
    assert "deleted file mode 100644\n--- a/x\n+++ /dev/null\n" in text
    again = parse_patch(text)
    assert again.files[0] == patch.files[0]
    assert again.files[1].hunks == deleted.hunks and again.files[1].status is FileStatus.DELETED


# --- the shared corpus -------------------------------------------------------------

# Samples that must be refused, with a fragment of the reason.
UNIDIFF_REFUSED = {
    "sample1.diff": "hunk is shorter than its header says",
    "sample2.diff": "hunk is shorter than its header says",
    "sample6.diff": "hunk is longer than its header says",
    "sample7.diff": "hunk is shorter than its header says",
}
WHATTHEPATCH_REFUSED = {
    **{name: "no file changes found" for name in ("abc", "efg", "lao", "tzu")},
    **{
        name: "context diff"
        for name in (
            "apache-attachment-2241.diff",
            "context-header.diff",
            "diff-context-blah.diff",
            "diff-context.diff",
            "issue39-bash42-003.patch",
            "mozilla-252983-versionless.diff",
            "mozilla-252983.diff",
            "svn-context.patch",
        )
    },
    "diff-default.diff": "normal diff",
    "diff-default-blah.diff": "normal diff",
    "svn-default.patch": "normal diff",
    "diff-ed.diff": "ed script",
    "svn-ed.patch": "ed script",
    "diff-rcs.diff": "RCS diff",
    "svn-rcs.patch": "RCS diff",
    # Header-only snippets whose hunks are cut off after the @@ line.
    **{
        name: "hunk is shorter than its header says"
        for name in (
            "eclipse-attachment-126343.header",
            "git-header-long.diff",
            "git-header.diff",
            "svn-header.diff",
            "unified-header-notab.diff",
            "unified-header.diff",
        )
    },
    "cvs-header.diff": "hunk changes nothing",
    # Four lines of junk straight after the last hunk, written to look like hunk lines.
    "diff-unified-blah.diff": "hunk is longer than its header says",
}
RAPIDQUILT_PARSING_REFUSED = {
    "garbage_between.patch": "hunk header without",  # a stray @@ line in trailing junk
    "misparsed.patch": "'+++' line without",  # "+++ exited with 0 +++" in the message
    "reversed-header.patch": "'+++' line without",  # +++ before ---
    "tab_in_context.patch": "missing its ' ', '+' or '-' prefix",
    "various_hunks.patch": "malformed hunk header",  # "@@ -30,2 +30,4 @" (one @)
}


def check_sample(path: Path, refused: dict[str, str]) -> Patch | None:
    source = f"{path.parent.name}/{path.name}"
    if path.name in refused:
        with pytest.raises(PatchParseError) as info:
            parse_patch(path.read_bytes(), source)
        assert type(info.value) is PatchParseError
        assert re.match(rf"{re.escape(source)}:\d+: \S", str(info.value)), str(info.value)
        assert refused[path.name] in str(info.value)
        return None
    patch = parse_patch(path.read_bytes(), source)
    assert patch.files
    return patch


@pytest.mark.parametrize("path", corpus_files("unidiff", "*.diff"))
def test_unidiff_samples(path: Path) -> None:
    check_sample(path, UNIDIFF_REFUSED)


@pytest.mark.parametrize("path", corpus_files("whatthepatch"))
def test_whatthepatch_casefiles(path: Path) -> None:
    check_sample(path, WHATTHEPATCH_REFUSED)


@pytest.mark.parametrize("path", corpus_files("rapidquilt/parsing", "*.patch"))
def test_rapidquilt_parsing(path: Path) -> None:
    patch = check_sample(path, RAPIDQUILT_PARSING_REFUSED)
    expected = path.with_name(path.name + "-expected")
    if patch is not None and expected.exists():
        # rapidquilt's canonical print of the patch must mean the same to us.
        assert parse_patch(expected.read_bytes()) == patch


def all_corpus_samples() -> list[Any]:
    return (
        corpus_files("unidiff", "*.diff")
        + corpus_files("whatthepatch")
        + corpus_files("rapidquilt/parsing", "*.patch")
        + corpus_files("rapidquilt/patching", "*.patch")
    )


@pytest.mark.parametrize("path", all_corpus_samples())
def test_corpus_round_trip(path: Path) -> None:
    try:
        patch = parse_patch(path.read_bytes(), path.name)
    except PatchParseError:
        return
    text = render_patch(patch)
    again = parse_patch(text, "rendered")
    assert again == patch
    assert render_patch(again) == text


def test_corpus_samples_are_known() -> None:
    """The refusal tables name real files, so they cannot silently go stale."""
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    for folder, table in (
        ("unidiff", UNIDIFF_REFUSED),
        ("whatthepatch", WHATTHEPATCH_REFUSED),
        ("rapidquilt/parsing", RAPIDQUILT_PARSING_REFUSED),
    ):
        for name in table:
            assert (CORPUS / folder / name).is_file(), name


# --- git apply accepts what we render ---------------------------------------------

OLD_TREE: dict[str, bytes] = {
    "plain.txt": b"one\ntwo\nthree\nfour\nfive\nsix\nseven\n",
    "crlf.txt": b"a\r\nb\r\nc\r\n",
    "noeol.txt": b"x\ny",
    "addeol.txt": b"p\nq",
    "dir with space/file name.txt": b"alpha\nbeta\n",
    'quote"d\ttab.txt': b"1\n2\n",
    "\u00fcn\u00ef.txt": "ä\nö\n".encode(),
    "gone.txt": b"bye\n",
    "old_name.py": b"".join(b"line %d\n" % i for i in range(20)),
    "orig.txt": b"".join(b"copy me %d\n" % i for i in range(20)),
    "script.sh": b"#!/bin/sh\necho hi\n",
}
NEW_TREE: dict[str, bytes] = {
    **{k: v for k, v in OLD_TREE.items() if k not in ("gone.txt", "old_name.py")},
    "plain.txt": b"one\ntwo\nTHREE\nfour\nfive\nsix\nseven\neight\n",
    "crlf.txt": b"a\r\nB\r\nc\r\nd\r\n",
    "noeol.txt": b"x\nz",
    "addeol.txt": b"p\nq\n",
    "dir with space/file name.txt": b"alpha\nBETA\n",
    'quote"d\ttab.txt': b"1\n2\n3\n",
    "\u00fcn\u00ef.txt": "ä\nü\n".encode(),
    "fresh.txt": b"new\r\nfile",
    "empty.txt": b"",
    "new_name.py": b"".join(b"line %d\n" % i for i in range(19)) + b"changed\n",
    "copied.txt": b"".join(b"copy me %d\n" % i for i in range(20)),
}


def git(cwd: Path, *args: str, data: bytes | None = None) -> bytes:
    env = {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "HOME": str(cwd),
        "LC_ALL": "C",
    }
    ident = ("-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "core.autocrlf=false")
    proc = subprocess.run(
        ["git", *ident, *args], cwd=cwd, input=data, capture_output=True, env=env, check=False
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return proc.stdout


def write_tree(root: Path, tree: dict[str, bytes]) -> None:
    for name, data in tree.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_apply_accepts_rendered_patch(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    write_tree(tmp_path, OLD_TREE)
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    for name in ("gone.txt", "old_name.py"):
        (tmp_path / name).unlink()
    write_tree(tmp_path, NEW_TREE)
    (tmp_path / "script.sh").chmod(0o755)
    git(tmp_path, "add", "-A")
    diff = git(tmp_path, "diff", "--cached", "-M", "-C", "--find-copies-harder")

    patch = parse_patch(diff, "git diff")
    by_path = {fp.path: fp for fp in patch.files}
    assert by_path["new_name.py"].status is FileStatus.RENAMED
    assert by_path["new_name.py"].old_path == "old_name.py"
    assert by_path["copied.txt"].status is FileStatus.COPIED
    assert by_path["gone.txt"].status is FileStatus.DELETED
    assert by_path["empty.txt"].status is FileStatus.ADDED
    assert by_path["script.sh"].mode_changed
    assert 'quote"d\ttab.txt' in by_path and "\u00fcn\u00ef.txt" in by_path
    assert lines_of(by_path["crlf.txt"])[1] == ("-", "b\r\n")

    rendered = render_patch(patch).encode()
    git(tmp_path, "reset", "-q", "--hard")
    git(tmp_path, "apply", "--index", "-", data=rendered)
    for name, data in NEW_TREE.items():
        assert (tmp_path / name).read_bytes() == data, name
    assert not (tmp_path / "gone.txt").exists() and not (tmp_path / "old_name.py").exists()
    assert os.access(tmp_path / "script.sh", os.X_OK)
    assert (
        parse_patch(git(tmp_path, "diff", "--cached", "-M", "-C", "--find-copies-harder", "HEAD"))
        == patch
    )

"""The strict patch applier: unit tables, a property against difflib, and
GNU patch's own expectations from the shared corpus."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.errors import ApplyError, PatchParseError
from app.core.model import FileStatus
from app.core.patchapply import apply_file_patch
from app.core.text import join_lines, split_lines
from app.core.unified import parse_patch, render_patch

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
NO_CORPUS = pytest.mark.skip(reason=f"shared corpus not found at {CORPUS}")
HDR = "--- a/f\n+++ b/f\n"
TEN = "".join(f"{i}\n" for i in range(1, 11))  # "1\n" .. "10\n"


def apply_text(old: str, patch_text: str) -> str:
    fp = parse_patch(patch_text).files[0]
    return join_lines(apply_file_patch(split_lines(old), fp))


# --- unit cases that apply ----------------------------------------------------------

# name -> (old text, patch text, expected new text)
APPLY_CASES: dict[str, tuple[str, str, str]] = {
    "exact-position": (
        TEN,
        HDR + "@@ -4,3 +4,3 @@\n 4\n-5\n+five\n 6\n",
        TEN.replace("5\n", "five\n"),
    ),
    "offset-forward": (
        "x\nx\n" + TEN,
        HDR + "@@ -4,3 +4,3 @@\n 4\n-5\n+five\n 6\n",
        "x\nx\n" + TEN.replace("5\n", "five\n"),
    ),
    "offset-backward": (
        TEN[4:],
        HDR + "@@ -4,3 +4,3 @@\n 4\n-5\n+five\n 6\n",
        TEN[4:].replace("5\n", "five\n"),
    ),
    "nearest-of-two-matches": (
        "a\nb\nc\nz\nz\nz\nz\na\nb\nc\n",
        HDR + "@@ -7,3 +7,3 @@\n a\n-b\n+B\n c\n",
        "a\nb\nc\nz\nz\nz\nz\na\nB\nc\n",
    ),
    "tie-prefers-later": (
        "a\nb\nc\nz\na\nb\nc\n",
        HDR + "@@ -3,3 +3,3 @@\n a\n-b\n+B\n c\n",
        "a\nb\nc\nz\na\nB\nc\n",
    ),
    # Hunk 2 alone would pick the nearer first "a b c"; hunk 1's offset of +6
    # moves its guess, as in GNU patch, to the second one.
    "offset-carries-to-next-hunk": (
        "x\n" * 6 + "p\nq\nr\na\nb\nc\nm\nm\nm\na\nb\nc\n",
        HDR + "@@ -1,3 +1,3 @@\n p\n-q\n+Q\n r\n@@ -12,3 +12,3 @@\n a\n-b\n+B\n c\n",
        "x\n" * 6 + "p\nQ\nr\na\nb\nc\nm\nm\nm\na\nB\nc\n",
    ),
    "crlf-exact": ("a\r\nb\r\nc\r\n", HDR + "@@ -2 +2 @@\n-b\r\n+B\r\n", "a\r\nB\r\nc\r\n"),
    "lone-cr-kept": ("a\rb\nc\n", HDR + "@@ -2 +2 @@\n-c\n+C\n", "a\rb\nC\n"),
    "no-newline-old-side": (
        "a\nb",
        HDR + "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n",
        "a\nb\n",
    ),
    "no-newline-new-side": (
        "a\nb\n",
        HDR + "@@ -1,2 +1,2 @@\n a\n-b\n+b\n\\ No newline at end of file\n",
        "a\nb",
    ),
    "append-after-no-newline": (
        "a\nb",
        HDR + "@@ -2 +2,2 @@\n-b\n\\ No newline at end of file\n+b\n+c\n",
        "a\nb\nc\n",
    ),
    "context-overlaps-previous-context": (
        TEN,
        HDR
        + "@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n@@ -3,5 +3,5 @@\n 3\n 4\n-5\n+five\n 6\n 7\n",
        TEN.replace("2\n", "two\n", 1).replace("5\n", "five\n"),
    ),
    "insert-only-u0": (
        TEN,
        HDR + "@@ -3,0 +4,2 @@\n+new\n+lines\n",
        TEN.replace("3\n", "3\nnew\nlines\n"),
    ),
    "insert-at-top-u0": ("a\n", HDR + "@@ -0,0 +1 @@\n+top\n", "top\na\n"),
    "create-file": ("", "--- /dev/null\n+++ b/f\n@@ -0,0 +1,2 @@\n+x\n+y\n", "x\ny\n"),
    "delete-file": ("x\ny\n", "--- a/f\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-x\n-y\n", ""),
    "empty-the-file": ("x\n", HDR + "@@ -1 +0,0 @@\n-x\n", ""),
    "less-trailing-context-at-end": (
        "a\nb\nc\na\nb\nc\n",
        HDR + "@@ -1,3 +1,3 @@\n a\n b\n-c\n+C\n",
        "a\nb\nc\na\nb\nC\n",
    ),
    "less-leading-context-at-start": (
        "a\nb\nc\na\nb\nc\n",
        HDR + "@@ -4,3 +4,3 @@\n-a\n+A\n b\n c\n",
        "a\nb\nc\nA\nb\nc\n",
    ),
}


@pytest.mark.parametrize("name", sorted(APPLY_CASES))
def test_apply_cases(name: str) -> None:
    old, patch_text, new = APPLY_CASES[name]
    assert apply_text(old, patch_text) == new


# --- unit cases that must be refused ------------------------------------------------

# name -> (old text, patch text, fragments the ApplyError must contain)
REFUSE_CASES: dict[str, tuple[str, str, list[str]]] = {
    "context-differs": (
        TEN,
        HDR + "@@ -4,3 +4,3 @@\n 4\n-5\n+five\n 6x\n",
        ["f:6: hunk 1 (@@ -4,3 +4,3 @@)", "expected '6x' at line 6, found '6'"],
    ),
    "crlf-against-lf": ("a\nb\n", HDR + "@@ -2 +2 @@\n-b\r\n+B\r\n", ["expected 'b'", "found 'b'"]),
    "file-has-newline-hunk-says-none": (
        "a\nb\n",
        HDR + "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+B\n",
        ["(no newline at end of file)"],
    ),
    "file-lacks-newline-hunk-has-one": (
        "a\nb",
        HDR + "@@ -1,2 +1,2 @@\n a\n-b\n+B\n",
        ["found 'b' (no newline at end of file)"],
    ),
    "newline-removed-mid-file": (
        "a\nb\nc\nd\ne\n",
        HDR + "@@ -1 +1 @@\n-a\n+A\n\\ No newline at end of file\n",
        ["without a newline, but the file goes on"],
    ),
    "second-hunk-misordered": (
        TEN,
        HDR + "@@ -7,3 +7,3 @@\n 7\n-8\n+eight\n 9\n@@ -1,3 +1,3 @@\n 1\n-2\n+two\n 3\n",
        ["hunk 2 (@@ -1,3 +1,3 @@)", "earlier hunk already changed"],
    ),
    "context-overlaps-changed-line": (
        TEN,
        HDR + "@@ -1,3 +1,3 @@\n 1\n-2\n+two\n 3\n@@ -2,3 +2,3 @@\n 2\n-3\n+three\n 4\n",
        ["hunk 2", "earlier hunk already changed"],
    ),
    "hunk-past-end": (
        "a\nb\n",
        HDR + "@@ -2,3 +2,3 @@\n b\n-c\n+C\n d\n",
        ["found the end of the file"],
    ),
    "start-anchored-elsewhere": (
        "x\na\nb\nc\n",
        HDR + "@@ -1,3 +1,3 @@\n-a\n+A\n b\n c\n",
        ["must apply at line 1"],
    ),
    "end-anchored-elsewhere": (
        "a\nb\nc\nx\n",
        HDR + "@@ -1,3 +1,3 @@\n a\n b\n-c\n+C\n",
        ["must end the file"],
    ),
    "append-after-no-newline-u0": (
        "a\nb",
        HDR + "@@ -2,0 +3 @@\n+c\n",
        ["would join 'b' (no newline at end of file)"],
    ),
    "insert-beyond-end": ("a\n", HDR + "@@ -5,0 +6 @@\n+x\n", ["outside the file"]),
    "create-over-content": ("x\n", "--- /dev/null\n+++ b/f\n@@ -0,0 +1 @@\n+y\n", ["already has"]),
    "delete-leaves-lines": (
        "x\ny\n",
        "--- a/f\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n",
        ["1 line(s) would remain"],
    ),
    "binary": ("x\n", "Binary files a/f and b/f differ\n", ["binary"]),
}


@pytest.mark.parametrize("name", sorted(REFUSE_CASES))
def test_refuse_cases(name: str) -> None:
    old, patch_text, fragments = REFUSE_CASES[name]
    with pytest.raises(ApplyError) as info:
        apply_text(old, patch_text)
    assert str(info.value).startswith("f")  # names the file
    for fragment in fragments:
        assert fragment in str(info.value)


def test_error_names_given_path() -> None:
    fp = parse_patch(HDR + "@@ -1 +1 @@\n-a\n+b\n").files[0]
    with pytest.raises(ApplyError, match=r"^src/x\.py:1: hunk 1 \(@@ -1 \+1 @@\)"):
        apply_file_patch(["z\n"], fp, path="src/x.py")


# --- several files at once ----------------------------------------------------------

# --- property: a diff made by difflib applies back exactly -------------------------


def make_diff(old: list[str], new: list[str], context: int) -> str:
    """A unified diff in the form GNU diff writes, including the markers
    for a missing final newline (difflib alone omits them)."""

    def span(start: int, length: int) -> str:
        first = start + 1 if length else start
        return str(first) if length == 1 else f"{first},{length}"

    out = [HDR]
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        out.append(f"@@ -{span(i1, i2 - i1)} +{span(j1, j2 - j1)} @@\n")
        for tag, a1, a2, b1, b2 in group:
            body = (
                [(" ", x) for x in old[a1:a2]]
                if tag == "equal"
                else ([("-", x) for x in old[a1:a2]] + [("+", x) for x in new[b1:b2]])
            )
            for kind, line in body:
                out.append(kind + line)
                if not line.endswith("\n"):
                    out.append("\n\\ No newline at end of file\n")
    return "".join(out)


LINE = st.sampled_from(["a\n", "b\n", "c\n", "a\r\n", "b\r\n", "x\ry\n", "\n"])


@st.composite
def texts(draw: st.DrawFn) -> list[str]:
    lines = draw(st.lists(LINE, max_size=14))
    if lines and draw(st.booleans()):
        lines[-1] = lines[-1].rstrip("\n") or "z"  # a last line without a newline
    return lines


@settings(max_examples=300, deadline=None)
@given(old=texts(), new=texts(), context=st.integers(0, 3))
def test_difflib_diffs_apply_exactly(old: list[str], new: list[str], context: int) -> None:
    if old == new:  # headers alone change nothing: git calls that garbage, so do we
        with pytest.raises(PatchParseError, match="only garbage"):
            parse_patch(make_diff(old, new, context))
        return
    patch = parse_patch(make_diff(old, new, context))
    assert parse_patch(render_patch(patch)) == patch
    assert apply_file_patch(old, patch.files[0]) == new


# --- the shared corpus: GNU patch's expected results --------------------------------

PATCHING = CORPUS / "rapidquilt" / "patching"
# fuzz-0 cases where GNU patch writes a result and we refuse, and why.
KNOWN_REFUSALS = {
    "devnull.patch": "its '+++ /dev/null' deletes the file, but the hunks leave content; "
    "GNU patch keeps the patched file instead",
    "hunks_overlapping_modified.patch": "later hunks' leading context matches lines an "
    "earlier hunk changed; GNU patch compares with the original file, we refuse the overlap",
}


def patching_cases() -> list[Any]:
    if not PATCHING.is_dir():
        return [pytest.param(None, marks=NO_CORPUS, id="no-corpus")]
    return [pytest.param(p, id=p.stem) for p in sorted(PATCHING.glob("*.patch"))]


def run_case(path: Path) -> tuple[str, str | None, int]:
    """Apply one corpus case: ("ok", text) or ("refused", None), and its fuzz."""
    text = path.read_text()
    fuzz = re.search(r"^fuzz: (\d+)", text, re.M)
    try:
        fp = parse_patch(text, path.name).files[0]
        source = PATCHING / fp.old_path if fp.old_path else None
        lines = split_lines(source.read_text()) if source and source.exists() else []
        result = join_lines(apply_file_patch(lines, fp, path=path.name))
    except (ApplyError, PatchParseError):
        return "refused", None, int(fuzz.group(1)) if fuzz else 0
    if fp.status is FileStatus.DELETED:
        assert result == ""
    return "ok", result, int(fuzz.group(1)) if fuzz else 0


@pytest.mark.parametrize("path", patching_cases())
def test_rapidquilt_patching(path: Path) -> None:
    outcome, result, fuzz = run_case(path)
    out, error = path.with_suffix(".out"), path.with_suffix(".error")
    if error.exists():
        assert outcome == "refused"
    elif out.exists():
        if outcome == "ok":
            assert result == out.read_text()  # never a different result from GNU patch's
        else:
            assert fuzz > 0 or path.name in KNOWN_REFUSALS
    else:  # GNU patch removed the file
        assert outcome == "ok" and result == ""
    if path.name in KNOWN_REFUSALS:
        assert outcome == "refused"


def test_rapidquilt_patching_figures() -> None:
    """The summary reported for this module: how many cases match GNU patch."""
    if not PATCHING.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    counts: dict[str, int] = {}
    for path in sorted(PATCHING.glob("*.patch")):
        outcome, _, fuzz = run_case(path)
        expected = "error" if path.with_suffix(".error").exists() else "out"
        key = f"{expected}/fuzz{'0' if fuzz == 0 else '>0'}/{outcome}"
        counts[key] = counts.get(key, 0) + 1
    assert counts == {
        "out/fuzz0/ok": 17,  # includes the two deletions (no .out: the file is removed)
        "out/fuzz0/refused": 2,  # KNOWN_REFUSALS
        "out/fuzz>0/ok": 1,  # with_unused_fuzz: the fuzz is not needed
        "out/fuzz>0/refused": 15,
        "error/fuzz0/refused": 7,
        "error/fuzz>0/refused": 8,
    }


@pytest.mark.parametrize(
    ("patch_name", "old_name", "new_name"),
    [
        ("diff-unified.diff", "lao", "tzu"),
        ("diff-unified2.diff", "abc", "efg"),
        ("diff-unified-bad.diff", "lao", None),
        ("diff-unified-bad2.diff", "lao", None),
    ],
)
def test_whatthepatch_lao_tzu(patch_name: str, old_name: str, new_name: str | None) -> None:
    folder = CORPUS / "whatthepatch"
    if not folder.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    fp = parse_patch((folder / patch_name).read_bytes(), patch_name).files[0]
    old = split_lines((folder / old_name).read_text())
    if new_name is None:
        with pytest.raises(ApplyError, match=r"does not match: expected"):
            apply_file_patch(old, fp)
    else:
        assert join_lines(apply_file_patch(old, fp)) == (folder / new_name).read_text()


# --- work bounded by the file, not by the stated line -------------------------------


class _TooMuchWork(Exception):
    pass


def _lines_run_in_patchapply(limit: int, call: Any) -> int:
    """Run ``call()`` counting the lines executed in patchapply.py; raise
    _TooMuchWork past ``limit``, so a walk over a stated window fails the
    test instead of hanging it (work is counted, never timed)."""
    import sys

    import app.core.patchapply as module

    count = 0

    def local(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
            if count > limit:
                raise _TooMuchWork(f"over {limit} lines executed")
        return local

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename == module.__file__ else None

    old = sys.gettrace()
    sys.settrace(tracer)
    try:
        call()
    finally:
        sys.settrace(old)
    return count


@pytest.mark.parametrize(
    "header",
    [
        "@@ -98765432109876543210 +98765432109876543210 @@",  # git's t4136: hung forever
        "@@ -100000000,1 +100000000,1 @@",  # took 22 s
        "@@ -0,1 +0,1 @@",
    ],
)
def test_a_stated_line_far_outside_the_file_costs_no_more_than_the_file(header: str) -> None:
    patch = f"{HDR}{header}\n-a\n+b\n"
    for size in (1, 50):
        old = "a\n" + "x\n" * (size - 1)
        out: list[str] = []

        def run(old: str = old, out: list[str] = out) -> None:
            out.append(apply_text(old, patch))

        work = _lines_run_in_patchapply(5_000 + 100 * size, run)
        assert out == ["b\n" + "x\n" * (size - 1)]
        assert work < 5_000 + 100 * size


def test_candidates_are_the_window_nearest_first_whatever_the_guess() -> None:
    from app.core.patchapply import _candidates

    # Clamping keeps the order an unclamped walk had (before, 10**20 never ended).
    assert list(_candidates(1000, 0, 4)) == [4, 3, 2, 1, 0]
    assert list(_candidates(-1000, 0, 4)) == [0, 1, 2, 3, 4]
    assert list(_candidates(2, 0, 4)) == [2, 3, 1, 4, 0]
    assert list(_candidates(3, 0, -1)) == []

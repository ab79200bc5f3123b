"""Fuzzing (hypothesis) the diff engine, the subset transform and every edit parser.

Properties:

- accept-all then reverse gives the original bytes, for texts with LF, CRLF,
  lone CR, no final newline and Unicode (``diff_texts`` + ``apply_selection``
  + ``revert_selection``); a partial selection, filtered into its own patch,
  applies strictly and reverses back to the original;
- applying any subset equals ``git apply`` of the same filtered patch
  (``render_patch(filter_file_patch(...))``);
- no input makes a parser raise anything but Tether's own errors
  (``TetherError`` subclasses): random bytes and text, grammar-aware random
  edit blocks, and real diffs from ``../shared/corpus`` mutated line by line;
- the streaming parsers give the same edits whatever the chunking.

Quick mode (default): 50–150 examples per property, 30 for the one that runs
``git apply``, derandomized so CI is stable. ``TETHER_FULL=1`` runs ten times
as many, with fresh randomness.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from selections import select_all

from app.core.errors import ApplyError, TetherError
from app.core.model import REMOVED, FilePatch, Hunk
from app.core.patchapply import apply_file_patch
from app.core.text import join_lines, split_lines
from app.core.textdiff import diff_texts
from app.core.transform import (
    apply_selection,
    filter_file_patch,
    revert_selection,
)
from app.core.unified import parse_patch, render_patch
from app.edits.apply import apply_edit
from app.edits.model import Edit, EditError
from app.edits.search_replace import SearchReplaceStream, parse_search_replace
from app.edits.str_replace import edit_from_tool_input
from app.edits.v4a import V4AStream, parse_v4a

FULL = os.environ.get("TETHER_FULL") == "1"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def examples(quick: int) -> Any:
    """Hypothesis settings: ``quick`` examples (derandomized), ten times more in full mode."""
    return settings(
        max_examples=quick * 10 if FULL else quick,
        deadline=None,
        derandomize=not FULL,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# -- texts ----------------------------------------------------------------------------------

CONTENTS = [
    "a",
    "b",
    "c",
    "",
    "  indented",
    "x = 1",
    "ünïcødé λ → ✓",
    "tab\there",
    "trailing ",
    "mid\rcr",
    "\ufeffbom",
    "😀 wide",
    "z" * 90,
    "}",
    "return x",
]
EOLS = ["\n", "\n", "\n", "\r\n", "\r\n", "\r"]  # "\r" alone is a lone CR, not a line end


@st.composite
def texts(draw: st.DrawFn, max_lines: int = 30) -> str:
    """Text with LF and CRLF lines, lone CRs, Unicode, maybe no final newline."""
    line = (
        st.one_of(st.sampled_from(CONTENTS), st.text(max_size=12))
        if draw(st.booleans())
        else st.sampled_from(CONTENTS)
    )
    lines = draw(st.lists(st.tuples(line, st.sampled_from(EOLS)), max_size=max_lines))
    text = "".join(content + eol for content, eol in lines)
    if text.endswith("\n") and draw(st.integers(0, 3)) == 0:
        text = text[:-1]  # no newline at end of file
    return text


@st.composite
def edited(draw: st.DrawFn, old: str) -> str:
    """``old`` after a few line insertions, deletions, replacements and
    line-ending changes, so the diff has real context between changes."""
    lines = split_lines(old)
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["insert", "delete", "replace", "eol"]))
        at = draw(st.integers(0, len(lines)))
        new_line = draw(st.sampled_from(CONTENTS)) + draw(st.sampled_from(EOLS))
        if kind == "insert":
            lines.insert(at, new_line)
        elif lines and at < len(lines):
            if kind == "delete":
                del lines[at]
            elif kind == "replace":
                lines[at] = new_line
            else:
                body = lines[at].rstrip("\r\n")
                lines[at] = body + draw(st.sampled_from(["\n", "\r\n", ""]))
    text = "".join(lines)
    if draw(st.integers(0, 5)) == 0:
        text = text[:-1] if text.endswith("\n") else text + "\n"
    return text


@st.composite
def old_new(draw: st.DrawFn) -> tuple[str, str]:
    old = draw(texts())
    new = draw(edited(old))
    if old == new:
        new = old + "appended\n"
    return old, new


@st.composite
def selections(draw: st.DrawFn, hunks: list[Hunk]) -> dict[int, frozenset[int]]:
    """Any subset of the change lines: whole hunks, single lines, or nothing."""
    out: dict[int, frozenset[int]] = {}
    for index, hunk in enumerate(hunks):
        changes = hunk.change_indices()
        mode = draw(st.sampled_from(["all", "none", "some"]))
        if mode == "all":
            out[index] = frozenset(changes)
        elif mode == "some":
            out[index] = frozenset(draw(st.sets(st.sampled_from(changes))))
    return out


# -- accept-all then reverse; subsets --------------------------------------------------------


@examples(60)
@given(pair=old_new(), context=st.sampled_from([0, 1, 3]), data=st.data())
def test_accept_all_then_reverse_is_byte_exact(
    pair: tuple[str, str], context: int, data: st.DataObject
) -> None:
    old, new = pair
    fp, _ = diff_texts(old, new, "f.txt", context=context)
    old_lines, new_lines = split_lines(old), split_lines(new)
    everything = select_all(fp.hunks)
    accepted = apply_selection(old_lines, fp.hunks, everything)
    assert join_lines(accepted).encode() == new.encode()
    assert join_lines(revert_selection(accepted, fp.hunks, everything)).encode() == old.encode()
    assert join_lines(revert_selection(new_lines, fp.hunks, everything)).encode() == old.encode()
    # A subset: the filtered patch applies strictly to the old text and gives
    # the same bytes, and its reverse takes them back to the original.
    chosen = data.draw(selections(fp.hunks))
    middle = apply_selection(old_lines, fp.hunks, chosen)
    # With and without the text's length, which tells which hunks end the file
    # (a -U0 patch's shape cannot tell: there the length is required).
    count = len(old_lines) if context == 0 or data.draw(st.booleans()) else None
    part = filter_file_patch(fp, chosen, line_count=count)
    back = revert_selection(middle, part.hunks, select_all(part.hunks))
    assert join_lines(back).encode() == old.encode()
    # Tether's own strict applier agrees with the transform on the filtered patch.
    try:
        applied: list[str] | None = apply_file_patch(old_lines, part)
    except ApplyError:
        applied = None
    assert applied == middle, render_patch(part)


def _git_drops_newline(fp: FilePatch) -> bool:
    """git apply --unidiff-zero, removing a last line that has no newline,
    also strips the newline of the line before it (``a\\na`` minus line 2 gives
    ``a``); GNU patch and Tether give ``a\\n``. A git quirk, not a Tether bug."""
    return any(ln.kind == REMOVED and ln.no_newline for h in fp.hunks for ln in h.lines)


@pytest.mark.parametrize(
    ("old", "new", "context", "chosen"),
    [
        # only the '+' of a one-line change, 3 lines of context: refused
        pytest.param(
            "".join(f"l{i}\n" for i in range(10)),
            "".join(f"l{i}\n" for i in range(10)).replace("l5\n", "L5\n"),
            3,
            {0: frozenset({4})},
            id="refused",
        ),
        # zero context: applied after the *last* "b" instead of after line 6
        pytest.param(
            "a\na\na\na\na\r\nb\nb\n",
            "a\na\na\na\na\na\na\na\na\r\na\nb\n",
            0,
            {0: frozenset({0, 1, 2, 3}), 1: frozenset({1})},
            id="misplaced",
        ),
        # a one-line file rewritten, only some of the new lines taken: the hunk
        # really ends the file, so its extra leading context must stay
        pytest.param(
            "<svg/>\n",
            "<svg>\n  <a/>\n  <b/>\n</svg>\n",
            3,
            {0: frozenset({1, 3})},
            id="whole-file",
        ),
        # the removed line before the end of a five-line removal stays as context
        pytest.param(
            "".join(f"l{i}\n" for i in range(12)),
            "".join(f"l{i}\n" for i in range(12) if not 2 <= i <= 6),
            3,
            {0: frozenset({6})},
            id="long-removal",
        ),
    ],
)
@pytest.mark.parametrize("known", [True, False], ids=["length-known", "shape-only"])
def test_filtered_patches_apply_where_their_header_says(
    old: str, new: str, context: int, chosen: dict[int, frozenset[int]], known: bool
) -> None:
    """Bug 11: an unselected '-' line turned context gave hunks more leading
    than trailing context, which appliers anchor at the end of the file."""
    fp, _ = diff_texts(old, new, "f.txt", context=context)
    middle = apply_selection(split_lines(old), fp.hunks, chosen)
    part = filter_file_patch(fp, chosen, line_count=len(split_lines(old)) if known else None)
    code, theirs, err = _git_apply(old, render_patch(part), zero=context == 0)
    assert code == 0 and theirs == join_lines(middle).encode(), err  # git agrees
    assert apply_file_patch(split_lines(old), part) == middle


def test_a_mended_line_takes_the_line_ending_of_the_line_after_it() -> None:
    """Found by the full-mode fuzz: the text-level mend took the ending of the
    line before (outside the hunk), the patch-level one could not see it, so
    the filtered patch did not reverse the transform's result."""
    old, new = "a\r\na\na\n", "a\r\na"
    fp, _ = diff_texts(old, new, "f.txt", context=0)
    chosen = {0: frozenset({0, 2})}  # remove the first "a", add "a" (no newline)
    middle = apply_selection(split_lines(old), fp.hunks, chosen)
    assert middle == ["a\r\n", "a\n", "a\n"]
    part = filter_file_patch(fp, chosen)
    back = revert_selection(middle, part.hunks, select_all(part.hunks))
    assert join_lines(back) == old


def test_partial_selection_of_a_deleted_file_is_a_valid_patch() -> None:
    fp, _ = diff_texts("a\nb\n", None, "f.txt")
    part = filter_file_patch(fp, {0: frozenset({0})})  # remove "a" only
    code, theirs, err = _git_apply("a\nb\n", render_patch(part), zero=False)
    assert code == 0, err
    assert theirs == b"b\n"


def _git_apply(old: str | None, patch: str, zero: bool) -> tuple[int, bytes | None, str]:
    with tempfile.TemporaryDirectory(prefix="tether-fuzz-") as tmp:
        target = Path(tmp) / "f.txt"
        if old is not None:
            target.write_bytes(old.encode())
        proc = subprocess.run(
            [
                "git",
                "-c",
                "core.autocrlf=false",
                "apply",
                "--whitespace=nowarn",
                *(["--unidiff-zero"] if zero else []),
                "-",
            ],
            input=patch.encode(),
            cwd=tmp,
            capture_output=True,
            timeout=30,
            check=False,
        )
        result = target.read_bytes() if target.exists() else None
        return proc.returncode, result, proc.stderr.decode(errors="replace")


@examples(30)
@given(
    pair=old_new(),
    context=st.sampled_from([0, 1, 3]),
    absent=st.sampled_from(["none", "none", "none", "old", "new"]),
    data=st.data(),
)
def test_any_subset_equals_git_apply_of_the_filtered_patch(
    pair: tuple[str, str], context: int, absent: str, data: st.DataObject
) -> None:
    old: str | None = pair[0]
    new: str | None = pair[1]
    if absent == "old":
        old = None  # a new file
    elif absent == "new":
        new = None  # a deleted file
    fp, _ = diff_texts(old, new, "f.txt", context=context)
    chosen = data.draw(selections(fp.hunks))
    count = len(split_lines(old or "")) if context == 0 or data.draw(st.booleans()) else None
    part = filter_file_patch(fp, chosen, line_count=count)
    if not part.hunks:
        return  # nothing selected: nothing to apply
    ours = join_lines(apply_selection(split_lines(old or ""), fp.hunks, chosen))
    patch = render_patch(part)
    code, theirs, err = _git_apply(old, patch, zero=context == 0)
    # A git quirk (see _git_drops_newline).
    if (code != 0 or theirs != ours.encode()) and context == 0 and _git_drops_newline(part):
        event("git quirk: --unidiff-zero drops a newline")
        assume(False)
    assert code == 0, f"git apply refused the filtered patch: {err}\n{patch}"
    if theirs is None:  # git removed the file: only right if nothing is left
        assert ours == "" and new is None
    else:
        assert theirs == ours.encode(), patch


@examples(50)
@given(pair=old_new(), data=st.data())
def test_subset_transform_raises_only_tether_errors(
    pair: tuple[str, str], data: st.DataObject
) -> None:
    """Random selections (including bogus indices) and hunks applied to the
    wrong text: either a result or an ApplyError, never a crash."""
    old, new = pair
    fp, _ = diff_texts(old, new, "f.txt")
    bogus = data.draw(st.dictionaries(st.integers(-2, 8), st.frozensets(st.integers(-2, 30))))
    other = data.draw(texts())
    for lines in (split_lines(old), split_lines(other)):
        for run in (apply_selection, revert_selection):
            with contextlib.suppress(TetherError):
                run(lines, fp.hunks, bogus)
        try:
            filter_file_patch(fp, bogus)
            apply_file_patch(lines, filter_file_patch(fp, bogus, reverse=True))
        except TetherError:
            pass


# -- the unified-diff parser -----------------------------------------------------------------


def _corpus_texts() -> list[bytes]:
    found = []
    for folder in ("unidiff", "whatthepatch", "rapidquilt/parsing", "rapidquilt/patching"):
        base = CORPUS / folder
        if base.is_dir():
            found += [
                p.read_bytes()
                for p in sorted(base.iterdir())
                if p.is_file() and p.suffix in (".diff", ".patch")
            ]
    return found


CORPUS_DIFFS = _corpus_texts()
needs_corpus = pytest.mark.skipif(not CORPUS_DIFFS, reason=f"no shared corpus at {CORPUS}")

DIFF_LINES = [
    b"--- a/f.txt",
    b"+++ b/f.txt",
    b"diff --git a/f.txt b/f.txt",
    b"@@ -1,3 +1,3 @@",
    b"@@ -0,0 +1 @@",
    b"@@ -1 +0,0 @@",
    b"\\ No newline at end of file",
    b" ctx",
    b"-old",
    b"+new",
    b"",
    b"new file mode 100644",
    b"deleted file mode 100644",
    b"rename from a",
    b"rename to b",
    b"Binary files a/x and b/x differ",
    b"GIT binary patch",
    b"literal 0",
    b"index 0000000..1111111 100644",
    b"--- /dev/null",
    b"+++ /dev/null",
    b'--- "a/q\\"uoted"',
    b"\xff\xfe",
]


@st.composite
def mutated(draw: st.DrawFn, sources: list[bytes], pool: list[bytes]) -> bytes:
    """One of ``sources`` after random line-level mutations."""
    lines = draw(st.sampled_from(sources)).split(b"\n")
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(
            st.sampled_from(
                ["delete", "duplicate", "swap", "insert", "byte", "truncate", "number", "crlf"]
            )
        )
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        if not lines:
            lines = [b""]
        if kind == "delete":
            del lines[at]
        elif kind == "duplicate":
            lines.insert(at, lines[at])
        elif kind == "swap" and at + 1 < len(lines):
            lines[at], lines[at + 1] = lines[at + 1], lines[at]
        elif kind == "insert":
            lines.insert(at, draw(st.one_of(st.sampled_from(pool), st.binary(max_size=20))))
        elif kind == "byte" and lines[at]:
            pos = draw(st.integers(0, len(lines[at]) - 1))
            lines[at] = lines[at][:pos] + bytes([draw(st.integers(0, 255))]) + lines[at][pos + 1 :]
        elif kind == "truncate":
            lines = lines[: at + 1]
            lines[-1] = lines[-1][: draw(st.integers(0, len(lines[-1])))]
        elif kind == "number":
            lines[at] = lines[at].replace(b"1", str(draw(st.integers(0, 99999))).encode(), 1)
        elif kind == "crlf":
            lines[at] = lines[at] + b"\r"
    return b"\n".join(lines)


def _check_parsed(data: bytes | str) -> None:
    """Parse, and if that works render and apply: only Tether errors may come out."""
    try:
        patch = parse_patch(data)
    except TetherError:
        return
    render_patch(patch)
    for fp in patch.files:
        for text in ("", "a\nb\nc\n", "line\r\nother\r\n"):
            with contextlib.suppress(TetherError):
                apply_file_patch(split_lines(text), fp)


@examples(150)
@given(data=st.one_of(st.binary(max_size=400), st.text(max_size=400)))
def test_parse_patch_random_input(data: bytes | str) -> None:
    _check_parsed(data)


@examples(150)
@given(data=st.lists(st.sampled_from(DIFF_LINES), max_size=25).map(b"\n".join))
def test_parse_patch_grammar_fragments(data: bytes) -> None:
    _check_parsed(data)


@needs_corpus
@examples(150)
@given(data=mutated(CORPUS_DIFFS or [b""], DIFF_LINES))
def test_parse_patch_mutated_real_diffs(data: bytes) -> None:
    _check_parsed(data)


@examples(50)
@given(pair=old_new())
def test_rendered_diffs_parse_back_to_the_same_hunks(pair: tuple[str, str]) -> None:
    old, new = pair
    fp, _ = diff_texts(old, new, "f.txt")
    (parsed,) = parse_patch(render_patch(fp)).files
    assert [(h.header(), [(ln.kind, ln.raw) for ln in h.lines]) for h in parsed.hunks] == [
        (h.header(), [(ln.kind, ln.raw) for ln in h.lines]) for h in fp.hunks
    ]


# -- V4A -------------------------------------------------------------------------------------

V4A_LINES = [
    "*** Begin Patch",
    "*** End Patch",
    "*** Update File: a.py",
    "*** Add File: b.py",
    "*** Delete File: c.py",
    "*** Move to: d.py",
    "*** End of File",
    "@@",
    "@@ def f():",
    "@@ -1,3 +1,3 @@",
    " x = 1",
    "-x = 1",
    "+x = 2",
    " ",
    "",
    "-",
    "+",
    "garbage",
    "*** Update File:",
    "*** Frobnicate",
    "  *** End Patch",
    " return x",
    "+ünï ✓",
]
SAMPLE = "def f():\n    x = 1\n    return x\n\nx = 1\n"


@st.composite
def chunked(draw: st.DrawFn, text: str) -> list[str]:
    """``text`` cut into random pieces, as a stream delivers it."""
    cuts = sorted(draw(st.sets(st.integers(0, len(text)), max_size=12)))
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def _describe(items: list[Edit | EditError]) -> list[str]:
    return [repr(item) if isinstance(item, Edit) else f"error: {item}" for item in items]


def _apply_all(edits: list[Edit]) -> None:
    for edit in edits:
        for current in (None, "", SAMPLE, SAMPLE.replace("\n", "\r\n")):
            with contextlib.suppress(TetherError):
                apply_edit(current, edit)


@examples(150)
@given(
    data=st.data(),
    lines=st.lists(st.one_of(st.sampled_from(V4A_LINES), st.text(max_size=10)), max_size=30),
)
def test_v4a_random_patches(data: st.DataObject, lines: list[str]) -> None:
    text = "\n".join(lines) + data.draw(st.sampled_from(["", "\n", "\r\n"]))
    try:
        edits = parse_v4a(text)
    except EditError:
        edits = []
    _apply_all(edits)
    whole = V4AStream()
    expected = whole.feed(text) + whole.close()
    stream = V4AStream()
    got: list[Edit | EditError] = []
    for piece in data.draw(chunked(text)):
        got += stream.feed(piece)
    got += stream.close()
    assert _describe(got) == _describe(expected)


V4A_VALID = (
    "*** Begin Patch\n*** Update File: a.py\n@@ def f():\n     x = 1\n-    return x\n"
    "+    return x + 1\n*** Add File: b.py\n+new\n*** Delete File: c.py\n*** End Patch\n"
)


@examples(100)
@given(data=mutated([V4A_VALID.encode()], [line.encode() for line in V4A_LINES]))
def test_v4a_mutated_valid_patch(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    with contextlib.suppress(EditError):
        _apply_all(parse_v4a(text))


# -- SEARCH/REPLACE ----------------------------------------------------------------------------

SR_LINES = [
    "<<<<<<< SEARCH",
    "=======",
    ">>>>>>> REPLACE",
    "```",
    "```python",
    "a.py",
    "path/to/b.py",
    "x = 1",
    "    return x",
    "",
    "Here is the fix:",
    "~~~",
    "<source>",
    "  <<<<<<< SEARCH  ",
    "======= ",
    "**a.py**",
    "# a.py",
    "...",
    "ünï ✓",
]


def _aider_windows() -> list[bytes]:
    path = CORPUS / "aider" / "chat-history.md"
    if not path.is_file():
        return [b"a.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n"]
    lines = path.read_bytes().split(b"\n")
    return [b"\n".join(lines[i : i + 60]) for i in range(0, len(lines), 400)]


AIDER = _aider_windows()


def _search_replace(text: str, pieces: list[str]) -> None:
    edits, errors = parse_search_replace(text)
    assert all(isinstance(e, EditError) for e in errors)
    _apply_all(edits)
    stream = SearchReplaceStream()
    got: list[Edit | EditError] = []
    for piece in pieces:
        got += stream.feed(piece)
    got += stream.close()
    whole = SearchReplaceStream()
    assert _describe(got) == _describe(whole.feed(text) + whole.close())


@examples(150)
@given(
    data=st.data(),
    lines=st.lists(st.one_of(st.sampled_from(SR_LINES), st.text(max_size=10)), max_size=30),
)
def test_search_replace_random_blocks(data: st.DataObject, lines: list[str]) -> None:
    text = "\n".join(lines) + data.draw(st.sampled_from(["", "\n", "\r\n"]))
    _search_replace(text, data.draw(chunked(text)))


@examples(100)
@given(data=st.data(), raw=mutated(AIDER, [line.encode() for line in SR_LINES]))
def test_search_replace_mutated_real_replies(data: st.DataObject, raw: bytes) -> None:
    text = raw.decode("utf-8", "replace")
    _search_replace(text, data.draw(chunked(text)))


# -- str_replace (Anthropic's text editor tool) ---------------------------------------------

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 50)
    | st.floats(allow_nan=True)
    | st.text(max_size=15)
    | st.sampled_from(["x = 1", "x = 1\n", "    return x", "\r\n"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
KEYS = [
    "command",
    "path",
    "old_str",
    "new_str",
    "file_text",
    "insert_line",
    "insert_text",
    "view_range",
]
COMMANDS = st.sampled_from(["view", "str_replace", "create", "insert", "undo_edit", ""])


@examples(150)
@given(
    base=st.dictionaries(st.sampled_from(KEYS), JSON, max_size=6),
    command=COMMANDS,
    path=st.sampled_from(["a.py", "", " ", "../x", None]),
    other=JSON,
)
def test_str_replace_random_tool_inputs(
    base: dict[str, Any], command: str, path: str | None, other: Any
) -> None:
    for candidate in ({**base, "command": command, "path": path}, base, other):
        try:
            edit = edit_from_tool_input(candidate, 0)
        except EditError:
            continue
        if edit is not None:
            _apply_all([edit])


@examples(150)
@given(
    current=texts(),
    old=st.sampled_from(["x = 1", "x = 1\n", "a\nb", "a\r\nb", "ünï", "c"]),
    new=st.text(max_size=20),
)
def test_str_replace_matches_exactly_once_or_says_why(current: str, old: str, new: str) -> None:
    edit = edit_from_tool_input(
        {"command": "str_replace", "path": "a.py", "old_str": old, "new_str": new}, 0
    )
    assert edit is not None
    try:
        result = apply_edit(current, edit)
    except EditError as exc:
        assert exc.for_model  # the model gets a message to act on
        return
    assert result is not None
    assert current.count(old) == 1 or current.count(old.replace("\n", "\r\n")) == 1


def test_fuzz_settings_are_scaled() -> None:
    """Full mode really runs more examples than quick mode."""
    assert examples(10).max_examples == (100 if FULL else 10)

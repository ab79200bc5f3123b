"""V4A apply_patch: parsing, streaming and applying update hunks."""

from __future__ import annotations

import random

import pytest

from app.edits.apply import apply_edit
from app.edits.model import ORIGIN_V4A, Chunk, Edit, EditError
from app.edits.v4a import V4AStream, edit_from_apply_patch_operation, parse_v4a

PATCH = """\
I'll make these changes.

```
*** Begin Patch
*** Update File: src/app.py
@@ class App:
@@     def run(self):
-        return 1
+        return 2
@@ def main():
     app = App()
-    app.run()
+    print(app.run())
*** Add File: docs/new.md
+# New

+text
*** Delete File: old.txt
*** Update File: src/util.py
*** Move to: src/helpers.py
@@
 def helper():
-    pass
+    return None
*** End of File
*** End Patch
```
"""

PATCH_EDITS = [
    Edit(
        path="src/app.py",
        kind="replace",
        origin=ORIGIN_V4A,
        index=0,
        source_line=5,
        chunks=[
            Chunk(
                contexts=["class App:", "    def run(self):"],
                lines=[("-", "        return 1"), ("+", "        return 2")],
                source_line=6,
            ),
            Chunk(
                contexts=["def main():"],
                lines=[
                    (" ", "    app = App()"),
                    ("-", "    app.run()"),
                    ("+", "    print(app.run())"),
                ],
                source_line=10,
            ),
        ],
    ),
    Edit(
        path="docs/new.md",
        kind="create",
        new="# New\n\ntext\n",
        origin=ORIGIN_V4A,
        index=1,
        source_line=14,
    ),
    Edit(path="old.txt", kind="delete", origin=ORIGIN_V4A, index=2, source_line=18),
    Edit(
        path="src/util.py",
        kind="move",
        move_to="src/helpers.py",
        origin=ORIGIN_V4A,
        index=3,
        source_line=19,
        chunks=[
            Chunk(
                lines=[(" ", "def helper():"), ("-", "    pass"), ("+", "    return None")],
                end_of_file=True,
                source_line=21,
            )
        ],
    ),
]

APP = """\
class Other:
    def run(self):
        return 1


class App:
    def run(self):
        return 1


def main():
    app = App()
    app.run()
"""


# -- parsing ------------------------------------------------------------------


def test_parse_patch() -> None:
    assert parse_v4a(PATCH) == PATCH_EDITS


def test_chunk_old_and_new_lines() -> None:
    chunk = PATCH_EDITS[0].chunks[1]
    assert chunk.old_lines == ["    app = App()", "    app.run()"]
    assert chunk.new_lines == ["    app = App()", "    print(app.run())"]


@pytest.mark.parametrize(
    ("body", "chunks"),
    [
        # no @@ before the first hunk
        (" a\n-b\n+c\n", [Chunk(lines=[(" ", "a"), ("-", "b"), ("+", "c")], source_line=3)]),
        # a unified-diff header counts as a bare @@ (its trailing text as context)
        (
            "@@ -1,2 +1,2 @@ def f():\n-b\n+c\n",
            [Chunk(contexts=["def f():"], lines=[("-", "b"), ("+", "c")], source_line=3)],
        ),
        # a bare empty line inside a hunk is an empty context line ...
        ("@@\n-a\n\n+b\n", [Chunk(lines=[("-", "a"), (" ", ""), ("+", "b")], source_line=3)]),
        # ... but blank lines between hunks separate them
        (
            "@@\n-a\n+b\n\n\n@@ x\n-c\n",
            [
                Chunk(lines=[("-", "a"), ("+", "b")], source_line=3),
                Chunk(contexts=["x"], lines=[("-", "c")], source_line=8),
            ],
        ),
        # " *** x" is a context line, not a marker
        ("@@\n *** x\n+y\n", [Chunk(lines=[(" ", "*** x"), ("+", "y")], source_line=3)]),
    ],
)
def test_update_hunks(body: str, chunks: list[Chunk]) -> None:
    text = f"*** Begin Patch\n*** Update File: f\n{body}*** End Patch\n"
    assert parse_v4a(text)[0].chunks == chunks


def test_pure_move() -> None:
    (edit,) = parse_v4a("*** Begin Patch\n*** Update File: a\n*** Move to: b\n*** End Patch\n")
    assert (edit.kind, edit.path, edit.move_to, edit.chunks) == ("move", "a", "b", [])


def test_several_patches_and_surrounding_text() -> None:
    one = "*** Begin Patch\n*** Delete File: a\n*** End Patch\n"
    edits = parse_v4a(f"text\n{one}more *** text\n{one.replace(' a', ' b')}")
    assert [(e.path, e.index, e.source_line) for e in edits] == [("a", 0, 3), ("b", 1, 7)]


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("no patch here\n", None, "no '*** Begin Patch'"),
        ("*** Begin Patch\n*** Delete File: a\n", 2, "has no '*** End Patch'"),
        ("*** Begin Patch\nhello\n*** End Patch\n", 2, "expected '*** Add File: path'"),
        ("*** Begin Patch\n*** Frobnicate File: a\n*** End Patch\n", 2, "unknown marker"),
        ("*** Begin Patch\n*** Add File:\n+x\n*** End Patch\n", 2, "without a path"),
        (
            "*** Begin Patch\n*** Add File: a\n+x\ny\n*** End Patch\n",
            4,
            "every line must start with '+'",
        ),
        (
            "*** Begin Patch\n*** Update File: a\n@@\n-x\n!y\n*** End Patch\n",
            5,
            "unexpected line in '*** Update File: a': '!y'",
        ),
        ("*** Begin Patch\n*** Update File: a\n*** End Patch\n", 2, "has no changes"),
        ("*** Begin Patch\n*** Update File: a\n@@ f\n*** End Patch\n", 3, "has no lines"),
        (
            "*** Begin Patch\n*** Update File: a\n@@\n-x\n*** End of File\n-y\n*** End Patch\n",
            6,
            "a new hunk must start with '@@'",
        ),
        (
            "*** Begin Patch\n*** Update File: a\n*** End of File\n*** End Patch\n",
            3,
            "has no lines",
        ),
    ],
)
def test_malformed(text: str, line: int | None, fragment: str) -> None:
    with pytest.raises(EditError) as info:
        parse_v4a(text)
    assert fragment in str(info.value)
    assert info.value.line == line
    if line is not None:
        assert info.value.for_model.startswith(f"Invalid patch at line {line}: ")


def test_stream_recovers_at_next_file_marker() -> None:
    text = (
        "*** Begin Patch\n*** Update File: a\n@@\n?bad\n-x\n*** Delete File: b\n"
        "*** Update File: c\n@@\n-y\n*** End Patch\n"
    )
    stream = V4AStream()
    items = stream.feed(text) + stream.close()
    assert [(type(i).__name__, i.index) for i in items] == [
        ("EditError", 0),
        ("Edit", 1),
        ("Edit", 2),
    ]


# -- streaming ----------------------------------------------------------------


def feed_in_chunks(text: str, seed: int) -> list[Edit | EditError]:
    rng = random.Random(seed)
    stream = V4AStream()
    out: list[Edit | EditError] = []
    pos = 0
    while pos < len(text):
        size = rng.choice([1, 2, 5, 11, 40, 300])
        out += stream.feed(text[pos : pos + size])
        pos += size
    return out + stream.close()


@pytest.mark.parametrize("seed", range(10))
def test_random_chunks_equal_one_shot(seed: int) -> None:
    assert feed_in_chunks(PATCH, seed) == parse_v4a(PATCH)


def test_edits_are_emitted_at_their_terminating_line() -> None:
    lines = PATCH.splitlines(keepends=True)
    stream = V4AStream()
    emitted: dict[int, list[str]] = {}
    partial_hunks: dict[int, int] = {}
    for number, line in enumerate(lines, start=1):
        assert stream.feed(line[:-1]) == []
        out = stream.feed("\n")
        if out:
            emitted[number] = [e.path for e in out if isinstance(e, Edit)]
        partial = stream.partial
        if partial is not None and partial.kind != "create":
            partial_hunks[number] = len(partial.chunks)
    assert stream.close() == []
    # An update ends at the next file marker; a delete at its own line.
    assert emitted == {14: ["src/app.py"], 18: ["docs/new.md", "old.txt"], 26: ["src/util.py"]}
    # Its first hunk is visible as soon as the next @@ arrives (line 10).
    assert [partial_hunks.get(n, 0) for n in (9, 10, 13)] == [0, 1, 1]
    assert partial_hunks[25] == 1  # the *** End of File line completes the hunk


def test_cut_short_patch_reports_error() -> None:
    stream = V4AStream()
    out = stream.feed("*** Begin Patch\n*** Update File: a\n@@\n-x\n+y\n")
    assert out == []
    assert stream.partial is None  # the hunk may still grow
    (error,) = stream.close()
    assert isinstance(error, EditError)
    assert "cut short" in str(error)


# -- applying -----------------------------------------------------------------


def update(*chunks: Chunk, path: str = "src/app.py") -> Edit:
    return Edit(path=path, kind="replace", chunks=list(chunks), origin=ORIGIN_V4A)


def test_apply_patch_edits() -> None:
    result = apply_edit(APP, PATCH_EDITS[0])
    assert result == APP.replace(
        "class App:\n    def run(self):\n        return 1",
        "class App:\n    def run(self):\n        return 2",
    ).replace("    app.run()", "    print(app.run())")
    assert apply_edit(None, PATCH_EDITS[1]) == "# New\n\ntext\n"
    assert apply_edit("x\n", PATCH_EDITS[2]) is None
    moved = apply_edit("def helper():\n    pass\n", PATCH_EDITS[3])
    assert moved == "def helper():\n    return None\n"


def test_without_context_the_repeated_lines_are_ambiguous() -> None:
    chunk = Chunk(lines=[("-", "        return 1"), ("+", "        return 2")])
    with pytest.raises(EditError, match=r"matches 2 places \(lines 3, 8\); add more context"):
        apply_edit(APP, update(chunk))


@pytest.mark.parametrize(
    ("current", "chunks", "expected"),
    [
        # each hunk is searched after the previous one
        (
            "a\nx\nb\nx\n",
            [Chunk(lines=[("-", "b")]), Chunk(lines=[("-", "x"), ("+", "y")])],
            "a\nx\ny\n",
        ),
        # end of file picks the last occurrence
        ("x\nx\n", [Chunk(lines=[("-", "x"), ("+", "z")], end_of_file=True)], "x\nz\n"),
        # a pure addition goes right after its context line ...
        ("a\nb\nc\n", [Chunk(contexts=["a"], lines=[("+", "new")])], "a\nnew\nb\nc\n"),
        # ... or at the end of the file without one
        ("a\nb\n", [Chunk(lines=[("+", "new")])], "a\nb\nnew\n"),
        # a trailing blank context line that is only a separator is dropped
        ("a\nb\n", [Chunk(lines=[("-", "b"), ("+", "c"), (" ", "")])], "a\nc\n"),
        # context lines keep the file's own text (trailing spaces here)
        ("a  \nb\n", [Chunk(lines=[(" ", "a"), ("-", "b"), ("+", "c")])], "a  \nc\n"),
        # unicode punctuation in the file
        (
            "s = \u201cq\u201d\nt\n",
            [Chunk(lines=[(" ", 's = "q"'), ("-", "t"), ("+", "u")])],
            "s = \u201cq\u201d\nu\n",
        ),
        # uniformly mis-indented hunk: added lines follow the file's indentation
        (
            "def f():\n    a = 1\n",
            [Chunk(lines=[("-", "a = 1"), ("+", "a = 2")])],
            "def f():\n    a = 2\n",
        ),
        # CRLF file: added lines get CRLF
        ("a\r\nb\r\n", [Chunk(lines=[(" ", "a"), ("+", "n"), ("-", "b")])], "a\r\nn\r\n"),
        # no newline at end of file stays so
        ("a\nb", [Chunk(lines=[(" ", "a"), ("-", "b"), ("+", "c")])], "a\nc"),
        ("a", [Chunk(lines=[("+", "z")])], "a\nz"),
        # the @@ line repeated as the hunk's first line
        (
            "def f():\n    pass\ndef g():\n    pass\n",
            [
                Chunk(
                    contexts=["def g():"],
                    lines=[(" ", "def g():"), ("-", "    pass"), ("+", "    return 1")],
                )
            ],
            "def f():\n    pass\ndef g():\n    return 1\n",
        ),
        # two @@ lines narrow step by step
        (
            "class A:\n  def f():\n    x\nclass B:\n  def f():\n    x\n",
            [Chunk(contexts=["class B:", "  def f():"], lines=[("-", "    x"), ("+", "    y")])],
            "class A:\n  def f():\n    x\nclass B:\n  def f():\n    y\n",
        ),
    ],
)
def test_apply_chunks(current: str, chunks: list[Chunk], expected: str) -> None:
    assert apply_edit(current, update(*chunks)) == expected


@pytest.mark.parametrize(
    ("current", "chunks", "fragment"),
    [
        (
            "a\n",
            [Chunk(lines=[("-", "zz")])],
            "no match for the search text (1 line, starting 'zz')",
        ),
        ("a\nb\n", [Chunk(lines=[("-", "b")]), Chunk(lines=[("-", "a")])], "after line 2"),
        (
            "f\nf\nx\n",
            [Chunk(contexts=["f"], lines=[("-", "x")])],
            "@@ context line matches 2 places (lines 1, 2)",
        ),
        ("a\n", [Chunk(contexts=["nope"], lines=[("-", "a")])], "no match for the @@ context"),
        ("x\ny\n", [Chunk(lines=[("-", "x")], end_of_file=True)], "at the end of the file"),
    ],
)
def test_apply_chunk_errors(current: str, chunks: list[Chunk], fragment: str) -> None:
    with pytest.raises(EditError) as info:
        apply_edit(current, update(*chunks, path="p.py"))
    assert str(info.value).startswith("p.py: ")
    assert fragment in str(info.value)


def test_file_level_errors() -> None:
    with pytest.raises(EditError, match="already exists") as info:
        apply_edit("x\n", PATCH_EDITS[1])
    assert "Update File" in info.value.for_model
    with pytest.raises(EditError, match="does not exist"):
        apply_edit(None, PATCH_EDITS[0])
    with pytest.raises(EditError, match="does not exist"):
        apply_edit(None, PATCH_EDITS[2])
    with pytest.raises(EditError, match="does not exist"):
        apply_edit(None, PATCH_EDITS[3])


# -- the Responses API apply_patch tool -----------------------------------------


def test_apply_patch_operations() -> None:
    create = edit_from_apply_patch_operation(
        {"type": "create_file", "path": "n.txt", "diff": "+hello\n+world"}, 4
    )
    assert (create.kind, create.path, create.new, create.index) == (
        "create",
        "n.txt",
        "hello\nworld\n",
        4,
    )
    upd = edit_from_apply_patch_operation(
        {"type": "update_file", "path": "a.py", "diff": "@@ def f():\n-    pass\n+    return 1\n"},
        5,
    )
    assert upd.kind == "replace"
    assert upd.chunks == [
        Chunk(
            contexts=["def f():"], lines=[("-", "    pass"), ("+", "    return 1")], source_line=1
        )
    ]
    assert apply_edit("def f():\n    pass\n", upd) == "def f():\n    return 1\n"
    delete = edit_from_apply_patch_operation({"type": "delete_file", "path": "a.py"}, 6)
    assert (delete.kind, delete.index) == ("delete", 6)


@pytest.mark.parametrize(
    ("operation", "fragment"),
    [
        ({"type": "update_file", "path": "a", "diff": "@@\n-x\nbad\n"}, "line 3"),
        ({"type": "rename_file", "path": "a"}, "unknown apply_patch operation"),
        ({"type": "create_file", "diff": "+x"}, "no path"),
        ({"type": "update_file", "path": "a", "diff": ""}, "has no changes"),
    ],
)
def test_apply_patch_operation_errors(operation: dict, fragment: str) -> None:
    with pytest.raises(EditError) as info:
        edit_from_apply_patch_operation(operation, 2)
    assert fragment in str(info.value)
    assert info.value.index == 2


def test_crlf_model_output() -> None:
    assert parse_v4a(PATCH.replace("\n", "\r\n")) == PATCH_EDITS


# -- the format as OpenAI's apply_patch guide defines it (issue 11) ------------

SEARCH_PY = (
    "class BaseClass:\n"
    "    def search():\n"
    "        pass\n"
    "\n"
    "class Subclass(BaseClass):\n"
    "    def search():\n"
    "        pass\n"
)
# The guide's example: two @@ lines stacked, the inner one (def search) is in
# both classes, so it is sought after the outer one, not in the whole file.
STACKED = (
    "*** Begin Patch\n"
    "*** Update File: search.py\n"
    "@@ class BaseClass:\n"
    "@@     def search():\n"
    "-        pass\n"
    "+        raise NotImplementedError()\n"
    "\n"
    "@@ class Subclass(BaseClass):\n"
    "@@     def search():\n"
    "-        pass\n"
    "+        raise NotImplementedError()\n"
    "*** End Patch\n"
)


def test_stacked_anchors_are_sought_in_order_from_the_previous_match() -> None:
    (edit,) = parse_v4a(STACKED)
    assert apply_edit(SEARCH_PY, edit) == SEARCH_PY.replace("pass", "raise NotImplementedError()")


def test_stacked_anchors_reach_the_second_class_alone() -> None:
    patch = STACKED.replace(
        STACKED[STACKED.index("@@ class BaseClass:") : STACKED.index("@@ class Subclass(")], ""
    )
    (edit,) = parse_v4a(patch)
    want = SEARCH_PY[: SEARCH_PY.rindex("pass")] + "raise NotImplementedError()\n"
    assert apply_edit(SEARCH_PY, edit) == want


def test_an_inner_anchor_missing_after_the_outer_one_is_an_error() -> None:
    chunk = Chunk(
        contexts=["class Subclass(BaseClass):", "    def other():"], lines=[("-", "        pass")]
    )
    with pytest.raises(EditError, match="no match for the @@ context line .* after line 5"):
        apply_edit(SEARCH_PY, update(chunk, path="search.py"))


def test_a_pure_addition_before_a_hunk_with_context_leaves_the_cursor() -> None:
    chunks = [
        Chunk(lines=[("+", "z")]),  # no @@ line, no old lines: appended at the end
        Chunk(lines=[(" ", "a"), ("-", "b"), ("+", "B")]),
    ]
    assert apply_edit("a\nb\nc\n", update(*chunks)) == "a\nB\nc\nz\n"


def test_two_pure_additions_at_the_end_keep_their_order() -> None:
    chunks = [
        Chunk(lines=[("+", "y")]),
        Chunk(lines=[("+", "z")]),
        Chunk(lines=[("-", "a"), ("+", "A")]),
    ]
    assert apply_edit("a\n", update(*chunks)) == "A\ny\nz\n"


INDENTED_END = "*** Begin Patch\n*** Update File: a\n@@\n-x\n+y\n *** End Patch"


@pytest.mark.parametrize(
    "text",
    [
        INDENTED_END,  # the reply's last line, indented
        INDENTED_END + "\n",
        INDENTED_END + "\n\n   \n",
        INDENTED_END + "\n\nThat is the whole change.\n",
        "*** Begin Patch  \n*** Update File: a   \n@@\n-x\n+y\n*** End Patch   \n",
        "  *** Begin Patch\n*** Update File: a\n@@\n-x\n+y\n\t*** End Patch\n",
    ],
)
def test_whitespace_padded_markers_end_the_patch(text: str) -> None:
    stream = V4AStream()
    items = stream.feed(text) + stream.close()
    assert not [item for item in items if isinstance(item, EditError)]
    (edit,) = items
    assert isinstance(edit, Edit)
    assert apply_edit("x\n", edit) == "y\n"


def test_an_indented_end_patch_followed_by_hunk_lines_is_context() -> None:
    text = "*** Begin Patch\n*** Update File: a\n@@\n-x\n+y\n *** End Patch\n q\n*** End Patch\n"
    (edit,) = parse_v4a(text)
    assert apply_edit("x\n*** End Patch\nq\n", edit) == "y\n*** End Patch\nq\n"


def test_an_indented_end_patch_in_a_stream_fed_line_by_line() -> None:
    stream = V4AStream()
    items: list[Edit | EditError] = []
    for piece in INDENTED_END.splitlines(keepends=True):
        items += stream.feed(piece)
    items += stream.close()
    assert [type(item) for item in items] == [Edit]

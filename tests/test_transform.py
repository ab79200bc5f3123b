"""Table-driven cases for the diff engine and the pure subset transform."""

from __future__ import annotations

import random

import pytest
from selections import select_all, select_hunks

from app.core.errors import ApplyError
from app.core.text import join_lines, split_lines
from app.core.textdiff import block_fingerprint, diff_texts
from app.core.transform import (
    apply_selection,
    filter_file_patch,
    revert_selection,
)

CASES = {
    "modify": ("a\nb\nc\n", "a\nB\nc\n"),
    "crlf": ("a\r\nb\r\nc\r\n", "a\r\nB\r\nc\r\nd\r\n"),
    "lone-cr-kept": ("a\rb\nc\n", "a\rb\nC\n"),
    "add-newline-at-eof": ("a\nb", "a\nb\n"),
    "drop-newline-at-eof": ("a\nb\n", "a\nb"),
    "append-after-no-eol": ("a\nb", "a\nb\nc\n"),
    "new-file": ("", "x\ny\n"),
    "delete-all": ("x\ny\n", ""),
    "insert-top": ("b\nc\n", "a\nb\nc\n"),
    "many-hunks": (
        "".join(f"{i}\n" for i in range(100)),
        "".join(f"{i}\n" if i % 17 else f"changed {i}\n" for i in range(100)),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_accept_all_gives_new_and_reject_all_gives_old(name: str) -> None:
    old, new = CASES[name]
    fp, _ = diff_texts(old, new, "f.txt")
    assert fp.hunks, "a difference must produce hunks"
    everything = select_all(fp.hunks)
    assert join_lines(apply_selection(split_lines(old), fp.hunks, everything)) == new
    assert join_lines(revert_selection(split_lines(new), fp.hunks, everything)) == old


@pytest.mark.parametrize("name", sorted(CASES))
def test_selecting_nothing_changes_nothing(name: str) -> None:
    old, new = CASES[name]
    fp, _ = diff_texts(old, new, "f.txt")
    assert join_lines(apply_selection(split_lines(old), fp.hunks, {})) == old
    assert join_lines(revert_selection(split_lines(new), fp.hunks, {})) == new


def test_single_line_selection_keeps_unselected_removals_as_context() -> None:
    old = "keep\nold1\nold2\nend\n"
    new = "keep\nnew1\nend\n"
    fp, _ = diff_texts(old, new, "f.txt")
    (hunk,) = fp.hunks
    minus = [i for i, ln in enumerate(hunk.lines) if ln.kind == "-"]
    plus = [i for i, ln in enumerate(hunk.lines) if ln.kind == "+"]
    # Only the first removal: old2 stays, new1 is not added.
    assert (
        join_lines(apply_selection(split_lines(old), fp.hunks, {0: {minus[0]}}))
        == "keep\nold2\nend\n"
    )
    # Only the addition: both old lines stay; new1 goes beside old1, its pair.
    only_plus = join_lines(apply_selection(split_lines(old), fp.hunks, {0: {plus[0]}}))
    assert only_plus == "keep\nold1\nnew1\nold2\nend\n"
    # A removed line and its paired addition: a replacement in place.
    pair = join_lines(apply_selection(split_lines(old), fp.hunks, {0: {minus[0], plus[0]}}))
    assert pair == "keep\nnew1\nold2\nend\n"
    # The filtered patch places lines the same way.
    filtered = filter_file_patch(fp, {0: frozenset({minus[0], plus[0]})})
    assert [(ln.kind, ln.raw) for ln in filtered.hunks[0].lines] == [
        (" ", "keep\n"),
        ("-", "old1\n"),
        ("+", "new1\n"),
        (" ", "old2\n"),
        (" ", "end\n"),
    ]
    # The filtered patch places lines the same way.
    filtered = filter_file_patch(fp, {0: frozenset({minus[0], plus[0]})})
    assert [(ln.kind, ln.raw) for ln in filtered.hunks[0].lines] == [
        (" ", "keep\n"),
        ("-", "old1\n"),
        ("+", "new1\n"),
        (" ", "old2\n"),
        (" ", "end\n"),
    ]
    # Reverting only the addition on the new side.
    assert join_lines(revert_selection(split_lines(new), fp.hunks, {0: {plus[0]}})) == "keep\nend\n"


def test_filtered_patch_headers_are_recomputed() -> None:
    old = "".join(f"line {i}\n" for i in range(40))
    new = old.replace("line 5\n", "five\nfive and a half\n").replace("line 30\n", "")
    fp, _ = diff_texts(old, new, "f.txt")
    assert len(fp.hunks) == 2
    only_second = filter_file_patch(fp, select_hunks(fp.hunks, [1]))
    (hunk,) = only_second.hunks
    # Dropping the first hunk (+1 line) shifts the second hunk's new start back.
    assert hunk.old_start == fp.hunks[1].old_start
    assert hunk.new_start == fp.hunks[1].new_start - 1
    assert (hunk.old_len, hunk.new_len) == (fp.hunks[1].old_len, fp.hunks[1].new_len)


def test_reverse_filter_swaps_roles() -> None:
    fp, _ = diff_texts("a\nb\n", "a\nc\n", "f.txt")
    rev = filter_file_patch(fp, select_all(fp.hunks), reverse=True)
    kinds = [(ln.kind, ln.raw) for ln in rev.hunks[0].lines if ln.kind != " "]
    assert sorted(kinds) == [("+", "b\n"), ("-", "c\n")]


def test_transform_refuses_hunks_that_do_not_match() -> None:
    fp, _ = diff_texts("a\nb\nc\n", "a\nB\nc\n", "f.txt")
    with pytest.raises(ApplyError, match="does not match"):
        apply_selection(split_lines("a\nX\nc\n"), fp.hunks, select_all(fp.hunks), path="f.txt")


def test_transform_does_not_mutate_its_input() -> None:
    fp, _ = diff_texts("a\nb\n", "a\nc\n", "f.txt")
    before = [(ln.kind, ln.raw) for h in fp.hunks for ln in h.lines]
    filter_file_patch(fp, {0: frozenset()})
    filter_file_patch(fp, select_all(fp.hunks), reverse=True)
    assert [(ln.kind, ln.raw) for h in fp.hunks for ln in h.lines] == before


def test_hunk_ids_are_stable_across_a_rediff() -> None:
    old = "".join(f"line {i}\n" for i in range(60))
    new = old.replace("line 5\n", "FIVE\n").replace("line 50\n", "FIFTY\n")
    fp, _ = diff_texts(old, new, "f.txt")
    first, second = fp.hunks
    # Accept the first hunk; the second keeps its id in the fresh diff.
    accepted = join_lines(apply_selection(split_lines(old), fp.hunks, select_hunks(fp.hunks, [0])))
    fp2, _ = diff_texts(accepted, new, "f.txt")
    assert [h.id for h in fp2.hunks] == [second.id]


def test_split_makes_each_change_its_own_hunk_and_still_applies() -> None:
    old = "".join(f"line {i}\n" for i in range(20))
    new = old.replace("line 4\n", "four\n").replace("line 8\n", "eight\n")
    fp, blocks = diff_texts(old, new, "f.txt")
    assert len(fp.hunks) == 1 and len(blocks) == 2
    o, n = split_lines(old), split_lines(new)
    split = {block_fingerprint("f.txt", o, n, b) for b in blocks}
    fp2, _ = diff_texts(old, new, "f.txt", split=split)
    assert len(fp2.hunks) == 2
    only_second = join_lines(apply_selection(o, fp2.hunks, select_hunks(fp2.hunks, [1])))
    assert only_second == old.replace("line 8\n", "eight\n")


def test_random_subsets_compose_to_the_full_change() -> None:
    rng = random.Random(7)
    old_lines = [f"line {i}\n" for i in range(300)]
    new_lines = list(old_lines)
    for _ in range(40):
        i = rng.randrange(len(new_lines))
        op = rng.choice(["mod", "del", "ins"])
        if op == "mod":
            new_lines[i] = f"mod {i}\n"
        elif op == "del":
            del new_lines[i]
        else:
            new_lines.insert(i, f"ins {i}\n")
    old, new = join_lines(old_lines), join_lines(new_lines)
    for _ in range(20):
        fp, _ = diff_texts(old, new, "f.txt")
        chosen = {i for i in range(len(fp.hunks)) if rng.random() < 0.5}
        middle = join_lines(
            apply_selection(split_lines(old), fp.hunks, select_hunks(fp.hunks, chosen))
        )
        rest, _ = diff_texts(middle, new, "f.txt")
        assert (
            join_lines(apply_selection(split_lines(middle), rest.hunks, select_all(rest.hunks)))
            == new
        )


@pytest.mark.parametrize("op", ["accept", "reject"])
def test_shifted_remaining_hunks_equal_a_fresh_diff(op: str) -> None:
    from app.core.transform import remaining_hunks

    rng = random.Random(11 if op == "accept" else 12)
    for _ in range(30):
        old_lines = [f"line {i}\n" for i in range(200)]
        new_lines = list(old_lines)
        for _ in range(12):
            i = rng.randrange(len(new_lines))
            new_lines[i : i + 1] = rng.choice([[f"mod {i}\n"], [], [f"ins {i}\n", new_lines[i]]])
        old, new = join_lines(old_lines), join_lines(new_lines)
        fp, _ = diff_texts(old, new, "f.txt")
        chosen = select_hunks(fp.hunks, [i for i in range(len(fp.hunks)) if rng.random() < 0.4])
        if op == "accept":
            old = join_lines(apply_selection(split_lines(old), fp.hunks, chosen))
        else:
            new = join_lines(revert_selection(split_lines(new), fp.hunks, chosen))
        shifted = remaining_hunks(op, fp.hunks, chosen)
        fresh, _ = diff_texts(old, new, "f.txt")
        assert shifted is not None
        as_tuples = lambda hs: [(h.header(), [(ln.kind, ln.raw) for ln in h.lines]) for h in hs]  # noqa: E731
        assert as_tuples(shifted) == as_tuples(fresh.hunks)

"""The decision journal, its undo stacks, redaction, and the blob store."""

from __future__ import annotations

import hashlib
import json
import stat
import threading
import zlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.core.blobs import BlobStore, sha_of
from app.core.errors import JournalError, UndoError
from app.core.journal import Journal, Op
from app.core.model import Side
from app.core.secrets import REDACTED, redact


def decision(op: str = "accept", source: str = "worktree", **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "op": op,
        "source": source,
        "path": "src/a.py",
        "side": "worktree",
        "hunk": "@@ -1 +1 @@\n-a\n+b\n",
        "hunk_id": "h1",
        "before": None,
        "after": None,
    }
    entry.update(extra)
    return entry


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "state" / "journal.jsonl")


def test_append_numbers_and_stamps(journal: Journal) -> None:
    first = journal.append(decision())
    second = journal.append(decision("reject", seq=99, ts="bogus"))
    assert (first.seq, second.seq) == (1, 2)
    assert datetime.fromisoformat(second.ts).utcoffset() == timedelta(0)
    assert journal.entries() == [first, second]
    assert stat.S_IMODE(journal.path.stat().st_mode) == 0o600


def test_numbering_continues_across_instances(journal: Journal) -> None:
    journal.append(decision())
    journal.append(decision())
    assert Journal(journal.path).append(decision()).seq == 3
    assert journal.append(decision()).seq == 4  # notices the other writer


def test_missing_journal_is_empty(journal: Journal) -> None:
    assert journal.entries() == []
    assert journal.undo_stack("x") == ([], [])


def test_hunk_text_is_exact(journal: Journal) -> None:
    hunk = "@@ -1,2 +1,2 @@\r\n-sk-abcdefghijklmnopqrstuvwx\r\n+x\u2028y\n\\ No newline\n\x00\t"
    journal.append(decision(hunk=hunk, path="weird\npath\u00e9"))
    (stored,) = journal.entries()
    assert stored.hunk == hunk
    assert stored.path == "weird\npath\u00e9"
    assert journal.path.read_bytes().count(b"\n") == 1  # one physical line per entry


def test_torn_last_line_is_ignored_and_repaired(journal: Journal) -> None:
    journal.append(decision())
    journal.append(decision())
    with journal.path.open("ab") as fh:
        fh.write(b'{"seq":3,"op":"acc')  # crash mid-write
    assert [e.seq for e in journal.entries()] == [1, 2]
    assert journal.append(decision()).seq == 3
    assert [e.seq for e in journal.entries()] == [1, 2, 3]
    assert journal.path.read_bytes().endswith(b"}\n")


def test_invalid_last_complete_line_is_ignored(journal: Journal) -> None:
    journal.append(decision())
    with journal.path.open("ab") as fh:
        fh.write(b"\x00\x00\x00garbage\n")
    assert [e.seq for e in journal.entries()] == [1]
    journal.append(decision())
    assert [e.seq for e in journal.entries()] == [1, 2]


@pytest.mark.parametrize("bad", [b"{not json", b"[1, 2]", b'{"op": "accept"}', b"\xff\xfe"])
def test_corrupt_middle_line_raises_with_line_number(journal: Journal, bad: bytes) -> None:
    for _ in range(3):
        journal.append(decision())
    lines = journal.path.read_bytes().split(b"\n")
    lines[1] = bad
    journal.path.write_bytes(b"\n".join(lines))
    with pytest.raises(JournalError) as info:
        journal.entries()
    assert info.value.line == 2
    assert str(info.value).startswith(f"{journal.path}:2: ")
    with pytest.raises(JournalError):
        Journal(journal.path).append(decision())


@pytest.mark.parametrize(
    "entry",
    [
        {"op": "approve", "source": "s"},
        {"op": "accept", "source": "", "path": "p"},
        decision(side="stage"),
        {"op": "accept", "source": "s", "path": "p"},
        {"op": "undo", "source": "s"},
        {"op": "redo", "source": "s", "target": "1"},
        decision(extra=object()),
    ],
)
def test_invalid_entries_are_refused(journal: Journal, entry: dict[str, Any]) -> None:
    with pytest.raises(JournalError):
        journal.append(entry)
    assert journal.entries() == []


def test_redact() -> None:
    text = (
        "key sk-abcdefghijklmnop1234 and sk-ant-api03-ABCDEFGHIJKLMNOPQRST_- "
        "aws AKIAABCDEFGHIJKLMNOP; task-abcdefghijklmnopqrstuv sk-short AKIAshort"
    )
    assert redact(text) == (
        f"key {REDACTED} and {REDACTED} aws {REDACTED}; "
        "task-abcdefghijklmnopqrstuv sk-short AKIAshort"
    )


def test_metadata_is_redacted_but_exact_fields_are_not(journal: Journal) -> None:
    key = "sk-ant-api03-" + "A" * 40
    stored = journal.append(
        decision(
            hunk=f"+API_KEY = '{key}'\n",
            note=f"model said {key}",
            extra={"headers": [f"Bearer {key}"]},
        )
    )
    assert key in stored.hunk
    assert stored.extra["note"] == f"model said {REDACTED}"
    assert stored.extra["extra"] == {"headers": [f"Bearer {REDACTED}"]}
    raw = journal.path.read_text()
    assert raw.count(key) == 1  # only inside the hunk


# -- undo stacks -----------------------------------------------------------------

# Each step: a decision ("accept", "reject", "edit") or ("undo"/"redo", index of the
# step whose entry is targeted). Expected stacks list step indexes, oldest first.
UNDO_CASES = [
    ([], [], []),
    (["accept"], [0], []),
    (["accept", "reject", "edit"], [0, 1, 2], []),
    (["accept", ("undo", 0)], [], [0]),
    (["accept", "reject", ("undo", 1)], [0], [1]),
    (["accept", "reject", ("undo", 1), ("undo", 0)], [], [1, 0]),
    (["accept", "reject", ("undo", 1), ("undo", 0), ("redo", 0)], [0], [1]),
    (["accept", "reject", ("undo", 1), ("undo", 0), ("redo", 0), ("redo", 1)], [0, 1], []),
    (["accept", "reject", ("undo", 1), "edit"], [0, 3], []),  # a new decision clears redo
    (["accept", ("undo", 0), ("redo", 0), ("undo", 0)], [], [0]),
]


@pytest.mark.parametrize(("steps", "done", "undone"), UNDO_CASES)
def test_undo_stack(journal: Journal, steps: list[Any], done: list[int], undone: list[int]) -> None:
    seqs: list[int] = []
    for step in steps:
        if isinstance(step, str):
            entry = journal.append(decision(step, hunk_id=f"h{len(seqs)}"))
        else:
            op, index = step
            entry = journal.append({"op": op, "source": "worktree", "target": seqs[index]})
        seqs.append(entry.seq)
        journal.append(decision(source="other"))  # other sources never interfere
    got_done, got_undone = journal.undo_stack("worktree")
    assert [e.seq for e in got_done] == [seqs[i] for i in done]
    assert [e.seq for e in got_undone] == [seqs[i] for i in undone]
    assert all(e.op in ("accept", "reject", "edit") for e in got_done + got_undone)


@pytest.mark.parametrize(
    ("steps", "bad"),
    [
        ([], ("undo", 1)),
        (["accept"], ("redo", 1)),
        (["accept", "reject"], ("undo", 1)),  # not the latest decision
        (["accept", ("undo", 1)], ("undo", 1)),
        (["accept", "reject", ("undo", 2), ("undo", 1)], ("redo", 2)),  # redo order
    ],
)
def test_out_of_order_undo_is_refused(
    journal: Journal, steps: list[Any], bad: tuple[str, int]
) -> None:
    for step in steps:
        if isinstance(step, str):
            journal.append(decision(step))
        else:
            journal.append({"op": step[0], "source": "worktree", "target": step[1]})
    before = journal.path.read_bytes() if journal.path.exists() else b""
    with pytest.raises(UndoError):
        journal.append({"op": bad[0], "source": "worktree", "target": bad[1]})
    after = journal.path.read_bytes() if journal.path.exists() else b""
    assert after == before


def test_inconsistent_journal_file_is_reported(journal: Journal) -> None:
    journal.append(decision())
    line = {"seq": 2, "ts": "x", "op": "undo", "source": "worktree", "target": 7}
    with journal.path.open("a") as fh:
        fh.write(json.dumps(line) + "\n")
    with pytest.raises(JournalError, match="seq 2"):
        journal.undo_stack("worktree")


def test_concurrent_appends_get_unique_seqs(journal: Journal) -> None:
    def worker() -> None:
        mine = Journal(journal.path)
        for _ in range(25):
            mine.append(decision())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [e.seq for e in journal.entries()] == list(range(1, 101))


# -- typed, incremental, compacted ------------------------------------------------


def test_entries_are_typed(journal: Journal) -> None:
    journal.append(decision())
    journal.append({"op": "undo", "source": "worktree", "target": 1})
    first, undo = journal.entries()
    assert first.op is Op.ACCEPT and first.side is Side.WORKTREE and first.is_decision
    assert undo.op is Op.UNDO and undo.target == 1 and not undo.is_decision


def test_the_baseline_journaled_as_index_reads_as_baseline(journal: Journal) -> None:
    """Before Side.BASELINE, watch mode outside git journaled its snapshot as "index"."""
    line = {**decision(source="baseline", side="index"), "seq": 1, "ts": "t"}
    journal.path.parent.mkdir(parents=True)
    journal.path.write_text(json.dumps(line) + "\n")
    (entry,) = journal.entries()
    assert entry.side is Side.BASELINE
    assert Journal(journal.path).undo_stack("worktree") == ([], [])


def _count_parsed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Bytes handed to the parser, call by call."""
    import app.core.journal as module

    parsed: list[int] = []
    real = module._parse_into

    def spy(index: Any, data: bytes, path: Path) -> None:
        parsed.append(len(data))
        real(index, data, path)

    monkeypatch.setattr(module, "_parse_into", spy)
    return parsed


def test_a_query_reads_only_what_was_appended(
    journal: Journal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The journal is parsed once; a key press's can-undo costs a stat, however
    long the journal (the figure is in docs/performance.md)."""
    for n in range(300):
        journal.append(decision(hunk_id=f"h{n}"))
    reader = Journal(journal.path)
    parsed = _count_parsed(monkeypatch)
    assert reader.next_undo("worktree") is not None
    assert parsed == [journal.path.stat().st_size]  # the first look reads it all
    for _ in range(50):
        assert reader.next_undo("worktree").hunk_id == "h299"  # type: ignore[union-attr]
        assert reader.next_redo("worktree") is None
    assert parsed == [journal.path.stat().st_size]  # nothing new: nothing parsed
    size = journal.path.stat().st_size
    journal.append(decision(hunk_id="late"))  # another process's append
    assert reader.next_undo("worktree").hunk_id == "late"  # type: ignore[union-attr]
    assert parsed[1:] == [journal.path.stat().st_size - size]  # only the new tail


def test_appending_reads_only_the_other_writers_tail(
    journal: Journal, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine, theirs = journal, Journal(journal.path)
    for _ in range(100):
        mine.append(decision())
    assert len(theirs) == 100
    parsed = _count_parsed(monkeypatch)
    before = journal.path.stat().st_size
    for _ in range(20):
        theirs.append(decision())
    assert parsed == []  # its own appends are known without reading them back
    after = journal.path.stat().st_size
    mine.append(decision())  # mine must first read the 20 it did not write
    assert parsed == [after - before]
    assert [e.seq for e in mine.entries()][-3:] == [119, 120, 121]


def test_compaction_keeps_undo_across_a_restart(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    for n in range(30):
        journal.append(decision(hunk_id=f"w{n}"))
        journal.append(decision(source="other", hunk_id=f"o{n}"))
    for _ in range(3):
        journal.append(
            {"op": "undo", "source": "worktree", "target": journal.next_undo("worktree").seq}
        )  # type: ignore[union-attr]
    done, undone = journal.undo_stack("worktree")
    dropped = journal.compact(keep=5)
    # 63 entries; kept: worktree's last 5 done and 3 undone, other's last 5.
    assert dropped == 63 - 13
    reopened = Journal(journal.path)  # a restart
    again_done, again_undone = reopened.undo_stack("worktree")
    assert [e.seq for e in again_done] == [e.seq for e in done[-5:]]
    assert [e.seq for e in again_undone] == [e.seq for e in undone]
    assert [e.hunk_id for e in reopened.undo_stack("other")[0]] == [f"o{n}" for n in range(25, 30)]
    # Nothing is lost: the archive holds every entry the journal had.
    assert [e.seq for e in reopened.archived()] == list(range(1, 64))
    # Undo and redo go on where they were, numbering after the old entries.
    redo = reopened.append({"op": "redo", "source": "worktree", "target": undone[-1].seq})
    assert redo.seq > 63 and reopened.next_undo("worktree").seq == undone[-1].seq  # type: ignore[union-attr]


def test_another_process_notices_a_compaction(journal: Journal) -> None:
    for _ in range(10):
        journal.append(decision())
    other = Journal(journal.path)
    assert len(other) == 10
    journal.compact(keep=2)
    assert [e.op for e in other.entries()] == [Op.ACCEPT, Op.ACCEPT, Op.CHECKPOINT]
    assert other.append(decision()).seq == 12


def test_opening_a_long_journal_compacts_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.core.journal as module
    from app.demo import make_sample_repo
    from app.review.sources import open_review, open_source

    monkeypatch.setattr(module, "COMPACT_AT", 50)
    monkeypatch.setattr(module, "KEEP_UNDO", 5)
    repo = make_sample_repo(tmp_path / "repo")
    session = open_review(open_source(None, repo))
    for n in range(60):
        session.journal.append(decision(source="elsewhere", hunk_id=f"x{n}"))
    again = open_review(open_source(None, repo))
    assert len(again.journal) < 20
    assert len(again.journal.undo_stack("elsewhere")[0]) == 5
    assert len(list(again.journal.archived())) == 60


# -- blobs -------------------------------------------------------------------------


@pytest.fixture
def blobs(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "state" / "blobs")


@pytest.mark.parametrize("data", [b"", b"hello\r\nworld", bytes(range(256)) * 100])
def test_blob_roundtrip(blobs: BlobStore, data: bytes) -> None:
    sha = blobs.put(data)
    assert sha == sha_of(data) == BlobStore.sha_of(data) == hashlib.sha1(data).hexdigest()
    path = blobs.directory / sha[:2] / sha[2:]
    assert zlib.decompress(path.read_bytes()) == data
    assert blobs.get(sha) == data
    assert blobs.put(data) == sha  # idempotent
    assert [p.name for p in blobs.directory.rglob("*") if p.is_file()] == [sha[2:]]


def test_blob_missing(blobs: BlobStore) -> None:
    with pytest.raises(JournalError, match="missing"):
        blobs.get(sha_of(b"never stored"))
    with pytest.raises(JournalError, match="not a blob id"):
        blobs.get("../../etc/passwd")


def test_blob_corruption_is_caught(blobs: BlobStore) -> None:
    sha = blobs.put(b"precious rejected work\n" * 50)
    path = blobs.path_of(sha)
    path.chmod(0o600)
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(JournalError, match="corrupt"):
        blobs.get(sha)
    path.write_bytes(zlib.compress(b"something else"))  # valid zlib, wrong content
    with pytest.raises(JournalError, match="corrupt.*hash"):
        blobs.get(sha)
    assert blobs.put(b"precious rejected work\n" * 50) == sha  # put repairs it
    assert blobs.get(sha) == b"precious rejected work\n" * 50

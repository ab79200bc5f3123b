"""``tether journal restore``: a rejection's content comes back, and only safely."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import NEW_TEST, AppFactory, decide_all, decide_hunk, wait_until
from tui_helpers import SIZE, message, press, settle

from app.cli import main
from app.core.journal import Journal, Op
from app.core.locations import state_dir_for
from app.review.service import ReviewService
from app.review.sources import open_review, open_source

CHANGED = "inventory/stock.py"
OTHER = "inventory/report.py"


def review(repo: Path) -> ReviewService:
    return open_review(open_source(None, repo))


def journal_of(repo: Path) -> Journal:
    return Journal(state_dir_for(repo) / "journal.jsonl")


def last_seq(repo: Path) -> int:
    return journal_of(repo).entries()[-1].seq


def tether(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    monkeypatch.chdir(repo)
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def deleted(sample_repo: Path) -> tuple[int, bytes]:
    """The sample's new file rejected (so deleted): its seq and old content."""
    content = (sample_repo / NEW_TEST).read_bytes()
    decide_all(review(sample_repo), "reject", NEW_TEST)
    assert not (sample_repo / NEW_TEST).exists()
    return last_seq(sample_repo), content


def test_a_deleted_new_file_comes_back_and_the_restore_can_be_undone(
    sample_repo: Path,
    deleted: tuple[int, bytes],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seq, content = deleted
    code, out, _ = tether(sample_repo, monkeypatch, capsys, "journal", "restore", f"#{seq}")
    assert code == 0 and f"from #{seq}" in out
    assert (sample_repo / NEW_TEST).read_bytes() == content
    step = journal_of(sample_repo).entries()[-1]
    assert (step.op, step.path, step.extra["restore"]) == (Op.EDIT, NEW_TEST, seq)
    # Its own entry, so the review's undo takes it back (the file goes again).
    service = review(sample_repo)
    assert service.session.undo() is not None
    assert not (sample_repo / NEW_TEST).exists()


def test_a_rejected_hunk_comes_back_and_the_listing_marks_what_can(
    sample_repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    service = review(sample_repo)
    changed = (sample_repo / CHANGED).read_bytes()
    decide_hunk(service, "accept", OTHER)
    accepted = last_seq(sample_repo)
    decide_hunk(service, "reject", CHANGED)
    rejected = last_seq(sample_repo)
    assert (sample_repo / CHANGED).read_bytes() != changed
    code, out, _ = tether(sample_repo, monkeypatch, capsys, "journal")
    lines = {int(line.split()[0][1:]): line for line in out.splitlines()}
    assert lines[rejected].endswith("restorable")
    assert not lines[accepted].endswith("restorable")
    code, out, _ = tether(sample_repo, monkeypatch, capsys, "journal", "--json")
    marks = {json.loads(line)["seq"]: json.loads(line)["restorable"] for line in out.splitlines()}
    assert marks[rejected] and not marks[accepted]
    code, _, _ = tether(sample_repo, monkeypatch, capsys, "journal", "restore", str(rejected))
    assert code == 0
    assert (sample_repo / CHANGED).read_bytes() == changed
    # Twice: it is there already, nothing written, said so.
    entries = len(journal_of(sample_repo))
    code, _, err = tether(sample_repo, monkeypatch, capsys, "journal", "restore", str(rejected))
    assert code == 0 and "already holds" in err
    assert len(journal_of(sample_repo)) == entries


def test_a_file_changed_since_is_never_overwritten(
    sample_repo: Path,
    deleted: tuple[int, bytes],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seq, _ = deleted
    (sample_repo / NEW_TEST).write_text("someone's new work\n", encoding="utf-8")
    entries = len(journal_of(sample_repo))
    code, out, err = tether(sample_repo, monkeypatch, capsys, "journal", "restore", str(seq))
    assert code == 1 and out == ""
    assert "changed since" in err and "nothing written" in err and NEW_TEST in err
    assert (sample_repo / NEW_TEST).read_text(encoding="utf-8") == "someone's new work\n"
    assert len(journal_of(sample_repo)) == entries


def test_to_writes_a_new_file_and_dry_run_writes_nothing(
    sample_repo: Path,
    deleted: tuple[int, bytes],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seq, content = deleted
    entries = len(journal_of(sample_repo))
    code, out, _ = tether(
        sample_repo, monkeypatch, capsys, "journal", "restore", str(seq), "--dry-run"
    )
    assert code == 0 and "dry run" in out
    assert not (sample_repo / NEW_TEST).exists()
    assert len(journal_of(sample_repo)) == entries
    code, _, _ = tether(
        sample_repo, monkeypatch, capsys, "journal", "restore", str(seq), "--to", "back.py"
    )
    assert code == 0 and (sample_repo / "back.py").read_bytes() == content
    # --to never replaces an existing file.
    code, _, err = tether(
        sample_repo, monkeypatch, capsys, "journal", "restore", str(seq), "--to", "back.py"
    )
    assert code == 0 and "already holds" in err
    (sample_repo / "other.py").write_text("mine\n", encoding="utf-8")
    code, _, err = tether(
        sample_repo, monkeypatch, capsys, "journal", "restore", str(seq), "--to", "other.py"
    )
    assert code == 1 and "exists" in err
    assert (sample_repo / "other.py").read_text(encoding="utf-8") == "mine\n"


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["9999"], "no journal entry #9999"),
        (["twelve"], "not a journal entry number"),
        (["ACCEPTED"], "not a rejection"),
        (["DELETED", "--to", "../outside.py"], "outside"),
        (["DELETED", "--to", ".git/config"], ".git"),
    ],
)
def test_what_cannot_be_restored_is_one_clear_line_and_nothing_written(
    sample_repo: Path,
    deleted: tuple[int, bytes],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    said: str,
) -> None:
    seq, _ = deleted
    decide_hunk(review(sample_repo), "accept", OTHER)
    accepted = last_seq(sample_repo)
    args = [{"DELETED": str(seq), "ACCEPTED": str(accepted)}.get(a, a) for a in args]
    entries = len(journal_of(sample_repo))
    code, out, err = tether(sample_repo, monkeypatch, capsys, "journal", "restore", *args)
    assert code == 1 and out == ""
    assert said in err and len(err.strip().splitlines()) == 1
    assert len(journal_of(sample_repo)) == entries
    assert not (sample_repo / NEW_TEST).exists()
    assert not (sample_repo.parent / "outside.py").exists()


async def test_B_in_the_review_brings_back_a_deleted_file_through_the_same_rule(
    make_app: AppFactory, sample_repo: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "B")
        assert message(app).startswith("nothing to restore")
        content = (sample_repo / NEW_TEST).read_bytes()
        app.show_file([fr.path for fr in app.service.files].index(NEW_TEST))
        await press(pilot, "d")  # reject the whole new file: deleted
        assert not (sample_repo / NEW_TEST).exists()
        await press(pilot, "B")
        assert (sample_repo / NEW_TEST).read_bytes() == content
        assert message(app).startswith(f"restored {NEW_TEST} from #")
        step = journal_of(sample_repo).entries()[-1]
        assert step.op is Op.EDIT and "restore" in step.extra
        # Back in the review, pending again; and u takes the restore back.
        await settle(pilot)
        assert app.service.pending_in(app.service.file(NEW_TEST)) == 1
        await press(pilot, "u")
        await wait_until(pilot, lambda: not (sample_repo / NEW_TEST).exists(), "undo of B")

"""Costs that must grow linearly with the input (issue 10).

``python -m bench.linear [--quick]``:

1. Many hunks: ``diff_texts`` on a pair with one changed line in every
   eight (10,000 / 100,000 / 1,000,000 one-line hunks), and ``parse_patch``
   of git's own patch of it (up to 100,000); seconds and µs per hunk.
2. A long reply through the loop: ``LoopController.ask`` with the replay
   provider (speed 0, so only Tether's work is timed) streaming a
   100,000-line reply one line per delta, and 4 MB in 100-byte deltas, each
   ending in one SEARCH/REPLACE edit; from ``ask`` to the generation ended
   (the edit applied). Also as a plan (``make_plan``), whose text is shown
   while it streams.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

from app.core.textdiff import diff_texts
from app.core.unified import parse_patch
from bench.stats import summary

GIT_ID = ("-c", "user.name=bench", "-c", "user.email=bench@tether.invalid")


def _pair(hunks: int) -> tuple[str, str]:
    old = "".join(f"line {i}\n" for i in range(hunks * 8))
    new = "".join((f"LINE {i}\n" if i % 8 == 4 else f"line {i}\n") for i in range(hunks * 8))
    return old, new


def _git_patch(old: str, new: str) -> str:
    with tempfile.TemporaryDirectory(prefix="tether-hunks-") as tmp:
        a, b = Path(tmp, "a"), Path(tmp, "b")
        a.write_text(old)
        b.write_text(new)
        done = subprocess.run(
            ["git", "diff", "--no-index", "--diff-algorithm=patience", str(a), str(b)],
            capture_output=True,
            text=True,
        )
    return done.stdout


def many_hunks(sizes: tuple[int, ...], runs: int) -> dict[str, object]:
    out: dict[str, object] = {}
    for n in sizes:
        old, new = _pair(n)
        diffed: list[float] = []
        parsed: list[float] = []
        count = parsed_count = 0
        # unidiff's parse costs ~250 µs a hunk: timed up to 100,000 hunks.
        patch = _git_patch(old, new) if n <= 100_000 else ""
        for _ in range(runs if n < 1_000_000 else 1):  # 1,000,000: one run (~1 min)
            t0 = time.perf_counter()
            fp, _ = diff_texts(old, new, "f.txt")
            diffed.append(time.perf_counter() - t0)
            count = len(fp.hunks)
            del fp
            if patch:
                t0 = time.perf_counter()
                parsed_patch = parse_patch(patch)
                parsed.append(time.perf_counter() - t0)
                parsed_count = sum(len(f.hunks) for f in parsed_patch.files)
                del parsed_patch
        d, p = summary(diffed), summary(parsed)
        out[str(n)] = {
            "hunks": count,
            "parsed_hunks": parsed_count,
            "diff_texts_s": d,
            "parse_patch_s": p,
            "diff_texts_us_per_hunk": float(d["median"]) / n * 1e6,
            "parse_patch_us_per_hunk": float(p["median"]) / n * 1e6,
        }
    return out


def _reply_run(pieces: list[str], *, plan: bool) -> tuple[float, int]:
    """Seconds from ask (or make_plan) to the generation's end, and the
    characters of plan text handed to the UI."""
    from app.core.autonomy import Level
    from app.core.backends import ProposalBackend
    from app.core.blobs import BlobStore
    from app.core.journal import Journal
    from app.demo import make_sample_repo
    from app.loop.controller import LoopController, View
    from app.loop.events import PlanText
    from app.providers.base import Finished, TextDelta
    from app.providers.replay import Recording, ReplayProvider, Turn
    from app.review.service import ReviewService
    from app.review.session import ReviewSession

    stock = "inventory/stock.py"
    old = "    def count(self, name):\n        return self.items[name]\n"
    new = "    def count(self, name):\n        return self.items.get(name, 0)\n"
    wide = "".join(f"    # note {i}\n" for i in range(8))
    edit = f"{stock}\n<<<<<<< SEARCH\n{old}=======\n{new}>>>>>>> REPLACE\n\n"
    events = [(0.0, TextDelta(p)) for p in pieces]
    with tempfile.TemporaryDirectory(prefix="tether-reply-") as tmp:
        repo = make_sample_repo(Path(tmp) / "inventory", with_change=False)
        state = Path(tmp) / "state"
        service = ReviewService(
            ReviewSession(
                ProposalBackend(repo),
                journal=Journal(state / "journal.jsonl"),
                blobs=BlobStore(state / "blobs"),
                source="bench",
            )
        )
        turns = [Turn(prompt="", parse="search_replace", events=[])]
        if plan:
            held = f"{stock}\n<<<<<<< SEARCH\n{old}=======\n{new + wide}>>>>>>> REPLACE\n\n"
            turns[0].events += [(0.0, TextDelta(held)), (0.0, Finished("end_turn"))]
            turns.append(Turn(prompt="Do not", parse="search_replace", events=events))
            turns[1].events.append((0.0, Finished("end_turn")))
        else:
            turns[0].events += [*events, (0.0, TextDelta(edit)), (0.0, Finished("end_turn"))]
        level = int(Level.LINE if plan else Level.FILE)
        loop = LoopController(
            service, ReplayProvider(Recording(turns=turns), speed=0.0), label="replay", level=level
        )
        shown = [0]

        def heard(event: object) -> None:
            if isinstance(event, PlanText):
                shown[0] += len(event.text)

        loop.subscribe(heard)
        view = View(path=stock, cursor_line=14)
        if plan:
            assert loop.ask("tidy", view) and loop.wait(600)
        t0 = time.perf_counter()
        assert (loop.make_plan() if plan else loop.ask("tidy", view)) and loop.wait(3600)
        took = time.perf_counter() - t0
        loop.close()
    return took, shown[0]


def long_reply(lines: int, runs: int) -> dict[str, object]:
    by_line = [f"Line {i} of a long explanation, one delta each.\n" for i in range(lines)]
    small = ["x" * 99 + "\n" for _ in range(40_000)]  # 4 MB in 100-byte deltas
    out: dict[str, object] = {}
    for name, pieces, plan in (
        (f"{lines}_lines_reply", by_line, False),
        ("4MB_in_100B_deltas_reply", small, False),
        ("4MB_in_100B_deltas_plan", small, True),
    ):
        times: list[float] = []
        shown = 0
        for _ in range(runs):
            took, shown = _reply_run(pieces, plan=plan)
            times.append(took)
        chars = sum(len(p) for p in pieces)
        out[name] = {
            "deltas": len(pieces),
            "characters": chars,
            "seconds": summary(times),
            "plan_text_shown_chars": shown,
            "shown_over_text": shown / chars if plan else None,
        }
    return out


def linear(quick: bool) -> dict[str, object]:
    sizes = (10_000, 100_000) if quick else (10_000, 100_000, 1_000_000)
    return {
        "many_hunks": many_hunks(sizes, 1 if quick else 3),
        "long_reply": long_reply(10_000 if quick else 100_000, 1 if quick else 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.linear", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="smaller inputs, one run")
    args = parser.parse_args()
    result = linear(args.quick)
    for n, d in result["many_hunks"].items():  # type: ignore[attr-defined]
        print(
            f"{int(n):>9,} hunks: diff_texts {d['diff_texts_s']['median']:.2f} s "
            f"({d['diff_texts_us_per_hunk']:.1f} µs/hunk, {d['hunks']} hunks); parse_patch "
            f"{d['parse_patch_s']['median']:.2f} s ({d['parse_patch_us_per_hunk']:.1f} µs/hunk,"
            f" {d['parsed_hunks']} hunks)"
        )
    for name, d in result["long_reply"].items():  # type: ignore[attr-defined]
        print(f"{name}: {d['seconds']['median']:.2f} s ({d['deltas']} deltas)", end="")
        print(f"; plan text shown ×{d['shown_over_text']:.2f}" if d["shown_over_text"] else "")
    out = Path("bench-out")
    out.mkdir(exist_ok=True)
    (out / "linear.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

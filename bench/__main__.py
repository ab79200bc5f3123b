"""``python -m bench [--quick] [BENCHMARK ...]``: measure Tether on this machine.

Benchmarks (all by default, in this order): first-paint, keys, release,
memory, diffing, profile, long-line, linear. Prints a table and writes ``bench-out/results.json``
(a run of some benchmarks keeps the other sections of an earlier file).
See docs/performance.md for what each one measures and how.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench.stats import mib, ms, secs
from bench.workspace import Workspace

BENCHMARKS = (
    "first-paint",
    "keys",
    "release",
    "memory",
    "diffing",
    "profile",
    "long-line",
    "linear",
)
KEY_BUDGET_S = 0.016
JOURNAL = 10_000  # entries of the long journal the keys are also measured on


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument(
        "benchmarks",
        nargs="*",
        metavar="BENCHMARK",
        help=f"which to run (default: all): {', '.join(BENCHMARKS)}",
    )
    p.add_argument(
        "--quick", action="store_true", help="fewer runs and key presses (under a minute)"
    )
    p.add_argument("--runs", type=int, help="pty runs per scenario (default 15, quick 3)")
    p.add_argument(
        "--out", type=Path, default=Path("bench-out"), help="output folder (default bench-out)"
    )
    return p


def _meta(quick: bool) -> dict[str, object]:
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
        return done.stdout.strip()

    return {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "python": platform.python_version(),
        "textual": version("textual"),
        "rich": version("rich"),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted_changes": bool(git("status", "--porcelain", "--untracked-files=no")),
        "source_digest": _source_digest(root),
        "load_average_at_start": list(os.getloadavg()),
    }


def _source_digest(root: Path) -> str:
    """SHA-1 over Tether's Python and CSS sources as measured (the working
    tree may hold uncommitted changes), to tell runs of different code apart."""
    digest = hashlib.sha1()
    for folder in ("app", "widgets", "themes"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in (".py", ".tcss") and "samples" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    unknown = [b for b in args.benchmarks if b not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; choose from {BENCHMARKS}")
    chosen = args.benchmarks or list(BENCHMARKS)
    quick: bool = args.quick
    runs = args.runs or (3 if quick else 15)
    ws = Workspace(args.out)
    results_path = ws.out / "results.json"
    try:
        results: dict[str, Any] = json.loads(results_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        results = {}
    results["meta"] = _meta(quick)

    from bench import diffing, linear, long_line, paint, profiling

    jobs: dict[str, Callable[[], dict[str, object]]] = {
        "first-paint": lambda: paint.first_paint(ws, runs),
        "keys": lambda: _keys(ws, quick),
        "release": lambda: paint.release(ws, runs, large=not quick),
        "memory": lambda: paint.memory(ws, 2 if quick else 3),
        "diffing": lambda: diffing.diffing(1 if quick else 5),
        "profile": lambda: profiling.profile(ws, quick=quick),
        "long-line": lambda: long_line.long_line(5, 1 if quick else 5),
        "linear": lambda: linear.linear(quick),
    }
    for name in BENCHMARKS:
        if name not in chosen:
            continue
        print(f"… {name}", file=sys.stderr, flush=True)
        start = time.perf_counter()
        section = jobs[name]()
        section["seconds_taken"] = round(time.perf_counter() - start, 1)
        section["quick"] = quick
        results[name] = section
        results_path.write_text(json.dumps(results, indent=2, default=_json) + "\n", "utf-8")
    results["meta"]["load_average_at_end"] = list(os.getloadavg())
    results_path.write_text(json.dumps(results, indent=2, default=_json) + "\n", "utf-8")
    print(table(results, chosen))
    print(f"\nwrote {results_path}")
    return 0


def _keys(ws: Workspace, quick: bool) -> dict[str, object]:
    from bench.keys import measure_keys

    sc = ws.scenario("big")
    cycles, runs = (10, 1) if quick else (50, 2)
    # Interleaved: a run on an empty journal, then one on a 10,000-entry
    # journal, and so on, so both see the same machine.
    empty: list[dict[str, object]] = []
    long: list[dict[str, object]] = []
    for _ in range(runs):
        empty.append(measure_keys(sc.repo, sc.reset, cycles=cycles, runs=1))
        long.append(measure_keys(sc.repo, sc.reset, cycles=cycles, runs=1, journal=JOURNAL))
    out = _merge_key_runs(empty)
    out["with_journal"] = _merge_key_runs(long)
    out["input"] = sc.info()
    out["budget_p95_s"] = KEY_BUDGET_S
    keys = out["keys"]
    assert isinstance(keys, dict)
    out["pass"] = all(k["to_first_frame_s"]["p95"] <= KEY_BUDGET_S for k in keys.values())
    ratios = {}
    for key, d in keys.items():
        other = out["with_journal"]["keys"][key]  # type: ignore[index]
        ratios[key] = {
            what: (other[what]["median"] / d[what]["median"]) if d[what]["median"] else None
            for what in ("to_first_frame_s", "to_last_frame_s")
        }
    out["journal_ratio"] = ratios
    return out


def _merge_key_runs(runs: list[dict[str, object]]) -> dict[str, object]:
    """One result from runs of ``measure_keys`` (the samples pooled)."""
    from bench.stats import summary

    first = runs[0]
    merged: dict[str, object] = {k: v for k, v in first.items() if k != "keys"}
    keys: dict[str, object] = {}
    for key in first["keys"]:  # type: ignore[attr-defined]
        pooled: dict[str, list[float]] = {"last": [], "first": [], "frames": [], "cpu": []}
        noop = 0
        for run in runs:
            d = run["keys"][key]  # type: ignore[index]
            pooled["last"] += [x / 1000 for x in d["samples_ms"]]
            pooled["first"] += d["first_samples_s"]
            pooled["frames"] += d["frame_samples"]
            pooled["cpu"] += d["cpu_samples_s"]
            noop += d["no_op_presses"]
        keys[key] = {
            "to_last_frame_s": summary(pooled["last"]),
            "to_first_frame_s": summary(pooled["first"]),
            "frames_per_press": summary(pooled["frames"]),
            "cpu_per_press_s": summary(pooled["cpu"]),
            "no_op_presses": noop,
            "samples_ms": [round(x * 1000, 2) for x in pooled["last"]],
            "first_samples_ms": [round(x * 1000, 2) for x in pooled["first"]],
        }
    merged["keys"] = keys
    merged["presses_per_key"] = sum(r["presses_per_key"] for r in runs)  # type: ignore[misc]
    merged["runs"] = len(runs)
    return merged


def _json(value: object) -> object:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, Path):
        return str(value)
    raise TypeError(type(value).__name__)


def _verdict(ok: object) -> str:
    return "ok" if ok else "MISSED"


def table(results: dict[str, Any], chosen: list[str]) -> str:
    rows: list[tuple[str, str, str, str]] = []
    if "first-paint" in chosen and "first-paint" in results:
        fp = results["first-paint"]
        sc = fp["scenarios"]
        for name, label in (
            ("bare", "bare Textual app (floor)"),
            ("small", "2-line diff"),
            ("big", "20,000 lines, 500 hunks"),
            ("big1", "20,000 lines, 1 hunk"),
        ):
            s = sc[name]["first_paint_s"]
            cpu = sc[name].get("cpu_to_paint_s", {}).get("median", math.nan)
            rows.append(
                (
                    "first paint",
                    label,
                    f"median {secs(s['median'])}  p95 {secs(s['p95'])}  (n={s['n']})"
                    f"  cpu {secs(cpu)}",
                    "",
                )
            )
        rows.append(
            (
                "first paint",
                "500 hunks ÷ 2-line",
                f"{fp['ratio_big_over_small']:.2f}× (paired {fp['paired_ratio_big_over_small']:.2f}×,"
                f" cpu {fp['cpu_ratio_big_over_small']:.2f}×)",
                f"≤ {fp['budget_ratio']}×  {_verdict(fp['pass'])}",
            )
        )
    if "keys" in chosen and "keys" in results:
        k = results["keys"]
        for key, d in k["keys"].items():
            last, first = d["to_last_frame_s"], d["to_first_frame_s"]
            cpu = d.get("cpu_per_press_s", {}).get("median", math.nan)
            rows.append(
                (
                    "key → shown",
                    f"{key} (n={first['n']})",
                    f"p50 {ms(first['median'])}  p95 {ms(first['p95'])}",
                    f"p95 ≤ 16 ms  {_verdict(first['p95'] <= KEY_BUDGET_S)}",
                )
            )
            rows.append(
                (
                    "key → settled",
                    f"{key} (written, status)",
                    f"p50 {ms(last['median'])}  p95 {ms(last['p95'])}  (cpu p50 {ms(cpu)})",
                    "",
                )
            )
            if d["no_op_presses"]:
                rows.append(
                    (
                        "key → repaint",
                        f"  WARNING: {key}",
                        f"{d['no_op_presses']} presses changed nothing",
                        "",
                    )
                )
        for key, r in k.get("journal_ratio", {}).items():
            shown, settled = r["to_first_frame_s"], r["to_last_frame_s"]
            rows.append(
                (
                    "journal 10,000 ÷ 0",
                    key,
                    f"shown ×{shown:.2f}, settled ×{settled:.2f} (medians)",
                    f"≤ 1.1  {_verdict(shown is not None and shown <= 1.1)}",
                )
            )
    if "release" in chosen and "release" in results:
        r = results["release"]
        rows.append(("release diff", "bare Textual app", secs(r["bare_first_paint_s"]), ""))
        for name, d in r["diffs"].items():
            s = d["first_paint_s"]
            inp = d["input"]
            rows.append(
                (
                    "release diff",
                    f"{name} ({inp['diff_lines']} lines, {inp['files']} files)",
                    f"median {secs(s['median'])}; minus floor {secs(d['after_textual_startup_s'])}"
                    f" (paired {secs(d['paired_after_textual_startup_s'])},"
                    f" cpu {secs(d['cpu_after_textual_startup_s'])})",
                    f"≤ 0.5 s  {_verdict(d['pass'])}",
                )
            )
    if "memory" in chosen and "memory" in results:
        m = results["memory"]
        inp = m["input"]
        label = f"{inp['diff_lines']}-line diff"
        rows.append(
            (
                "peak memory",
                f"{label}: review --list --json",
                mib(m["list_json"]["peak_rss_kb"]["max"]),
                "",
            )
        )
        rows.append(
            (
                "peak memory",
                f"{label}: TUI, after prefetch",
                mib(m["tui"]["peak_rss_after_prefetch_kb"]["max"]),
                f"≤ 250 MB  {_verdict(m['pass'])}",
            )
        )
        rows.append(("peak memory", "bare Textual app", mib(m["bare_textual_peak_rss_kb"]), ""))
    if "diffing" in chosen and "diffing" in results:
        d = results["diffing"]
        for name, s in d["ways_s"].items():
            rows.append(("diff 20,000 lines", name, f"median {secs(s['median'])}", ""))
        rows.append(
            (
                "diff 20,000 lines",
                "difflib ÷ diff_lines",
                f"{d['speedup_diff_lines_over_difflib']:.0f}×",
                "",
            )
        )
    if "profile" in chosen and "profile" in results:
        for name, p in results["profile"]["profiles"].items():
            # Skip the entry points (they contain everything) to name hot spots.
            top = [
                t
                for t in p["ours_by_cumulative_s_per"]
                if t["cumulative_s"] < 0.6 * p["busy_s_per"]
            ][:3]
            hot = "; ".join(f"{t['function']} {ms(t['cumulative_s'])}" for t in top)
            rows.append(("profile", name, f"busy {ms(p['busy_s_per'])}", hot))
    if "long-line" in chosen and "long-line" in results:
        for name, s in results["long-line"]["times_s"].items():
            rows.append(("5 MB one-line file", name, f"median {secs(s['median'])}", ""))
    if "linear" in chosen and "linear" in results:
        for n, d in results["linear"]["many_hunks"].items():
            rows.append(
                (
                    "one-line hunks",
                    f"{int(n):,} (diff_texts)",
                    f"median {secs(d['diff_texts_s']['median'])}"
                    f"  {d['diff_texts_us_per_hunk']:.1f} µs/hunk",
                    "",
                )
            )
        for name, d in results["linear"]["long_reply"].items():
            rows.append(("long reply", name, f"median {secs(d['seconds']['median'])}", ""))
    widths = [max(len(r[i]) for r in rows) for i in range(3)] if rows else [0, 0, 0]
    lines = []
    for r in rows:
        lines.append(
            "  ".join(r[i].ljust(widths[i]) for i in range(3)) + ("  " + r[3] if r[3] else "")
        )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())

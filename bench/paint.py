"""First paint as a real process in a terminal, and peak memory.

Runs are interleaved (bare, small, big, … then again, in a rotating order) so
that a noisy neighbour on the shared machine hits every scenario alike, and
one warm-up round (not counted) fills the page cache and ``.pyc`` files.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.bare_app import BOTTOM, TOP
from bench.pty_run import PtyRun, run_headless, run_in_pty
from bench.stats import median, summary
from bench.workspace import FOOTER_MARKER, Scenario, Workspace

FIRST_PAINT_BUDGET = 1.5  # big / small
RELEASE_BUDGET_S = 0.5  # release first paint minus bare Textual first paint
MEMORY_BUDGET_BYTES = 250 * 1000 * 1000


@dataclass
class Target:
    """Something to start in a pty and wait for."""

    name: str
    argv: list[str]
    cwd: Path
    markers: list[str]
    extras: dict[str, str]


def bare_target(ws: Workspace) -> Target:
    return Target("bare", [ws.python, ws.bare_app], ws.work, [TOP, BOTTOM], {})


def tether_target(ws: Workspace, sc: Scenario) -> Target:
    return Target(
        sc.name,
        [ws.tether, *sc.args],
        sc.repo,
        ws.markers(sc),
        {"footer": FOOTER_MARKER},
    )


def _run(ws: Workspace, t: Target, *, settle: float | None = None) -> PtyRun:
    run = run_in_pty(
        t.argv, cwd=t.cwd, env=ws.env, markers=t.markers, extras=t.extras, settle=settle
    )
    if not run.found:
        raise RuntimeError(f"{t.name}: no first paint within the timeout; screen:\n{run.tail}")
    return run


def interleaved(
    ws: Workspace, targets: Sequence[Target], runs: int, warmup: int = 1
) -> dict[str, list[PtyRun]]:
    out: dict[str, list[PtyRun]] = {t.name: [] for t in targets}
    for i in range(warmup + runs):
        k = i % len(targets)
        for t in [*targets[k:], *targets[:k]]:
            run = _run(ws, t)
            if i >= warmup:
                out[t.name].append(run)
    return out


def _describe(runs: list[PtyRun]) -> dict[str, object]:
    paints = [r.paint_s for r in runs if r.paint_s is not None]
    footers = [r.extras_s["footer"] for r in runs if "footer" in r.extras_s]
    starts = [r.alt_screen_s for r in runs if r.alt_screen_s is not None]
    hwm = [float(r.hwm_at_paint_kb) for r in runs if r.hwm_at_paint_kb]
    return {
        "first_paint_s": summary(paints),
        "cpu_to_paint_s": summary([r.cpu_s for r in runs]),
        "terminal_setup_s": summary(starts),
        "footer_keys_s": summary(footers) if footers else None,
        "peak_rss_at_paint_kb": summary(hwm),
        "samples_s": paints,
    }


def _paints(runs: list[PtyRun]) -> list[float]:
    return [r.paint_s if r.paint_s is not None else math.nan for r in runs]


def _cpu_med(d: dict[str, object]) -> float:
    cpu = d["cpu_to_paint_s"]
    assert isinstance(cpu, dict)
    return float(cpu["median"])


def _med(d: dict[str, object]) -> float:
    fp = d["first_paint_s"]
    assert isinstance(fp, dict)
    return float(fp["median"])


def first_paint(ws: Workspace, runs: int) -> dict[str, object]:
    """Bare Textual, a 2-line diff, the 500-hunk diff, and a 1-hunk diff of the
    same 20,000-line file, as real processes in a 160x50 pty."""
    scenarios = [ws.scenario(n) for n in ("small", "big", "big1")]
    targets = [bare_target(ws), *(tether_target(ws, sc) for sc in scenarios)]
    results = interleaved(ws, targets, runs)
    described = {name: _describe(rs) for name, rs in results.items()}
    for sc in scenarios:
        described[sc.name]["input"] = sc.info()
    bare, small, big, big1 = (_med(described[n]) for n in ("bare", "small", "big", "big1"))
    ratio = big / small
    return {
        "runs": runs,
        "scenarios": described,
        "ratio_big_over_small": ratio,
        # Runs of one round are seconds apart: their ratio cancels slow drifts
        # in the machine's load better than the ratio of the medians does.
        "paired_ratio_big_over_small": median(
            [b / s for b, s in zip(_paints(results["big"]), _paints(results["small"]), strict=True)]
        ),
        "cpu_ratio_big_over_small": _cpu_med(described["big"]) / _cpu_med(described["small"]),
        "ratio_big1_over_small": big1 / small,
        "small_minus_bare_s": small - bare,
        "big_minus_bare_s": big - bare,
        "budget_ratio": FIRST_PAINT_BUDGET,
        "pass": ratio <= FIRST_PAINT_BUDGET,
    }


def release(ws: Workspace, runs: int, *, large: bool) -> dict[str, object]:
    """A real release diff as a patch file, against bare Textual's first paint."""
    names = ["release", "release-large"] if large else ["release"]
    scenarios = [ws.scenario(n) for n in names]
    targets = [bare_target(ws), *(tether_target(ws, sc) for sc in scenarios)]
    results = interleaved(ws, targets, runs)
    described = {name: _describe(rs) for name, rs in results.items()}
    bare = _med(described["bare"])
    out: dict[str, object] = {"runs": runs, "bare_first_paint_s": bare, "diffs": {}}
    diffs: dict[str, object] = {}
    for sc in scenarios:
        d = described[sc.name]
        after = _med(d) - bare
        diffs[sc.name] = {
            **d,
            "input": sc.info(),
            "after_textual_startup_s": after,
            "paired_after_textual_startup_s": median(
                [
                    r - b
                    for r, b in zip(
                        _paints(results[sc.name]), _paints(results["bare"]), strict=True
                    )
                ]
            ),
            "cpu_after_textual_startup_s": _cpu_med(d) - _cpu_med(described["bare"]),
            "budget_s": RELEASE_BUDGET_S,
            "pass": after <= RELEASE_BUDGET_S,
        }
    out["diffs"] = diffs
    out["bare"] = described["bare"]
    main = diffs[scenarios[0].name]
    assert isinstance(main, dict)
    out["pass"] = main["pass"]
    return out


def memory(ws: Workspace, runs: int) -> dict[str, object]:
    """Peak RSS for the ~80,000-line diff: headless listing and the TUI.

    The TUI run waits for the first paint, then until the screen has been
    quiet for a second (the background prefetch has diffed every file and
    the file list shows them all), and reads the child's VmHWM (its peak
    resident set since exec) before killing it.
    """
    sc = ws.scenario("mem80k")
    listing = [
        run_headless([ws.tether, *sc.args, "--list", "--json"], cwd=sc.repo, env=ws.env)
        for _ in range(runs)
    ]
    for h in listing:
        if h.code != 0:
            raise RuntimeError(f"tether review --list failed: {h.stderr}")
    target = tether_target(ws, sc)
    tui = [_run(ws, target, settle=1.0) for _ in range(runs)]
    bare = [_run(ws, bare_target(ws)) for _ in range(runs)]
    list_peak = max(h.maxrss_kb for h in listing)
    tui_peak = max(r.hwm_end_kb or 0 for r in tui)
    worst = max(list_peak, tui_peak) * 1024
    return {
        "runs": runs,
        "input": sc.info(),
        "list_json": {
            "peak_rss_kb": summary([float(h.maxrss_kb) for h in listing]),
            "wall_s": summary([h.wall_s for h in listing]),
        },
        "tui": {
            "peak_rss_at_first_paint_kb": summary([float(r.hwm_at_paint_kb or 0) for r in tui]),
            "peak_rss_after_prefetch_kb": summary([float(r.hwm_end_kb or 0) for r in tui]),
            "first_paint_s": summary([r.paint_s or math.nan for r in tui]),
            "quiet_after_s": summary([r.settled_s or math.nan for r in tui]),
        },
        "bare_textual_peak_rss_kb": median([float(r.hwm_end_kb or 0) for r in bare]),
        "worst_peak_bytes": worst,
        "budget_bytes": MEMORY_BUDGET_BYTES,
        "pass": worst <= MEMORY_BUDGET_BYTES,
    }

"""``python -m bench.gate_bench``: the agent gate's latency, as an agent sees it.

The real ``tether inbox`` runs in a pseudo-terminal (160x50) in a git
repository of one 300-line file. Each round, this benchmark starts the real
``tether gate`` process with a Claude Code ``PreToolUse`` Edit input on
stdin (a unique new line, so each round's hunk is new), exactly as Claude
Code runs the hook, and measures:

- ``to_screen``: the gate process started → the proposed line drawn in the
  inbox (the bytes the app wrote to the terminal, escapes removed, contain
  it). The budget: p95 <= 150 ms. This includes the gate's own interpreter
  start-up, which every hook call pays.
- ``key_to_answer``: ``y`` written to the pty → the gate process has printed
  its answer and exited. The budget: p95 <= 50 ms.
- ``startup``: the gate process started → its answer when no Tether runs
  (the fallback: the hook's floor cost, interpreter and imports).

``--burst N`` then sends N hook calls at once (N processes, each its own
edit of its own file) and, while they queue, presses ``v`` every 50 ms; it
reports the key latency meanwhile (key → its "unified view" or
"side-by-side view" message drawn), and checks that every call got its
answer once all are decided with ``y``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.corpus import child_env, git
from bench.stats import ms, summary
from bench.watch_bench import Screen, tether_command, visible_text

TO_SCREEN_BUDGET_S = 0.150
ANSWER_BUDGET_S = 0.050
KEY_BUDGET_S = 0.100
LINES = 300


def build_repo(repo: Path, files: int = 21) -> None:
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    for k in range(files):
        text = "".join(f"value_{k}_{n} = {n}\n" for n in range(LINES))
        (repo / f"mod_{k}.py").write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")


def edit_payload(repo: Path, k: int, line: int, marker: str) -> dict[str, Any]:
    old = f"value_{k}_{line} = {line}\n"
    return {
        "session_id": "bench",
        "transcript_path": "/tmp/bench.jsonl",
        "cwd": str(repo),
        "permission_mode": "default",
        "hook_event_name": "PreToolUse",
        "tool_name": "Edit",
        "tool_input": {
            "file_path": str(repo / f"mod_{k}.py"),
            "old_string": old,
            "new_string": f"{marker} = {line}\n",
            "replace_all": False,
        },
        "tool_use_id": f"toolu_{marker}",
    }


def start_gate(payload: dict[str, Any], env: dict[str, str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [*tether_command(), "gate"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=payload["cwd"],
        env=env,
    )
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(payload).encode())
    proc.stdin.close()
    return proc


def answered(proc: subprocess.Popen[bytes]) -> dict[str, Any]:
    assert proc.stdout is not None
    out = proc.stdout.read()
    proc.wait(timeout=60)
    return json.loads(out) if out.strip() else {}


def measure(out: Path, rounds: int, burst: int) -> dict[str, Any]:
    repo = out / "gate" / "repo"
    build_repo(repo)
    env = child_env(out / "gate")
    # The floor: a hook call with no review running.
    startup = []
    for r in range(max(3, rounds // 3)):
        t0 = time.perf_counter()
        answered(start_gate(edit_payload(repo, 0, r, f"floor_{r}"), env))
        startup.append(time.perf_counter() - t0)
    inbox = os.environ.get("BENCH_INBOX")
    screen = Screen(
        [sys.executable, inbox, "inbox"] if inbox else [*tether_command(), "inbox"], repo, env
    )
    to_screen: list[float] = []
    key_to_answer: list[float] = []
    result: dict[str, Any] = {}
    try:
        if screen.wait_for("Waiting for an agent", 0, 60) is None:
            raise RuntimeError("tether inbox did not start")
        screen.quiet(0.2, 5)
        for r in range(rounds):
            marker = f"gated_{r:04d}"
            since = len(screen.raw)
            t0 = time.perf_counter()
            proc = start_gate(edit_payload(repo, 0, 10 + r % 280, marker), env)
            shown = screen.wait_for(marker, since, 30)
            if shown is None:
                raise RuntimeError(f"round {r}: the hunk never showed")
            to_screen.append(shown - t0)
            screen.quiet(0.1, 5)
            t1 = time.perf_counter()
            os.write(screen.fd, b"y")
            reply = answered(proc)
            key_to_answer.append(time.perf_counter() - t1)
            decision = reply.get("hookSpecificOutput", {}).get("permissionDecision")
            if decision != "allow":
                raise RuntimeError(f"round {r}: the gate answered {reply!r}")
            screen.quiet(0.1, 5)
        if burst:
            result["burst"] = _burst(screen, repo, env, burst)
    finally:
        screen.close()
    result.update(
        {
            "rounds": rounds,
            "startup_s": summary(startup),
            "to_screen_s": summary(to_screen),
            "key_to_answer_s": summary(key_to_answer),
            "budgets_s": {
                "to_screen_p95": TO_SCREEN_BUDGET_S,
                "key_to_answer_p95": ANSWER_BUDGET_S,
            },
        }
    )
    result["pass"] = {
        "to_screen": result["to_screen_s"]["p95"] <= TO_SCREEN_BUDGET_S,
        "key_to_answer": result["key_to_answer_s"]["p95"] <= ANSWER_BUDGET_S,
    }
    return result


def _burst(screen: Screen, repo: Path, env: dict[str, str], n: int) -> dict[str, Any]:
    """N calls at once; keys while they queue; every call answered."""
    procs = [start_gate(edit_payload(repo, 1 + k % 20, 5, f"burst_{k:03d}"), env) for k in range(n)]
    started = time.perf_counter()
    keys: list[float] = []
    when: list[float] = []  # each press, seconds after the calls started
    missed = 0
    side_by_side = False
    end = time.perf_counter() + 3.0
    while time.perf_counter() < end:
        # v toggles the view and says so: every press has a frame to wait for
        # (j at the last hunk draws nothing, so "the next output" would time
        # the next proposal instead of the key).
        side_by_side = not side_by_side
        wanted = "side-by-side view" if side_by_side else "unified view"
        since = len(screen.raw)
        t0 = time.perf_counter()
        os.write(screen.fd, b"v")
        seen = screen.wait_for(wanted, since, 5.0)
        if seen is None:
            missed += 1
        else:
            keys.append(seen - t0)
            when.append(t0 - started)
        time.sleep(0.05)
    answers = 0
    for _ in range(n * 4):  # decide everything that arrived: y on each hunk
        os.write(screen.fd, b"y")
        screen.quiet(0.05, 2)
        if all(p.poll() is not None for p in procs):
            break
    settle = time.perf_counter() + 60.0  # a slow disk may still be writing the last ones
    while any(p.poll() is None for p in procs) and time.perf_counter() < settle:
        os.write(screen.fd, b"y")
        screen.quiet(0.5, 2)
    left = [p for p in procs if p.poll() is None]
    if left:
        for p in procs:
            p.kill()
        tail = visible_text(bytes(screen.raw[-3000:]))
        raise RuntimeError(f"burst: {len(left)} calls still waiting after y on each: {tail}")
    for p in procs:
        if answered(p):
            answers += 1
    return {
        "calls": n,
        "answered": answers,
        "key_latency_s": summary(keys),
        "keys_missed": missed,
        "keys_ms_at_s": [
            [round(k * 1000, 1), round(w, 3)] for k, w in zip(keys, when, strict=True)
        ],
        "key_budget_max_s": KEY_BUDGET_S,
        "pass": answers == n and bool(keys) and not missed and max(keys) <= KEY_BUDGET_S,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.gate_bench")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--burst", type=int, default=20, help="calls at once (0: skip)")
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    args = parser.parse_args(argv)
    args.out = args.out.resolve()  # the hook input names an absolute cwd, as agents send it
    args.out = args.out.resolve()  # the hook input names an absolute cwd, as agents send it
    result = measure(args.out, args.rounds, args.burst)
    result["load_average"] = list(os.getloadavg())
    (args.out / "gate").mkdir(parents=True, exist_ok=True)
    path = args.out / "gate" / "results.json"
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for what in ("startup_s", "to_screen_s", "key_to_answer_s"):
        s = result[what]
        print(f"{what:16} p50 {ms(s['median'])}  p95 {ms(s['p95'])}  max {ms(s['max'])}")
    if "burst" in result:
        b = result["burst"]
        k = b["key_latency_s"]
        print(
            f"burst {b['calls']}: answered {b['answered']}, keys p50 {ms(k['median'])} "
            f"max {ms(k['max'])}"
        )
    print(f"pass: {result['pass']}; wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

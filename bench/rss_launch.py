"""Run a command and report its peak RSS: ``python rss_launch.py OUT -- CMD...``.

A child forked straight from the benchmark process would report the
benchmark's own (larger) RSS as its ``ru_maxrss``: Linux keeps the high-water
mark of the pre-``exec`` image. Forked from this small launcher instead, the
command's ``ru_maxrss`` is its own peak (the launcher's ~10 MiB is below any
Python program's). OUT receives ``{"maxrss_kb": …, "code": …, "wall_s": …}`` as JSON; the
launcher's stdio is the command's.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main(argv: list[str]) -> int:
    out, sep, *command = argv
    if sep != "--" or not command:
        print("usage: rss_launch.py OUT -- CMD...", file=sys.stderr)
        return 2
    start = time.perf_counter()
    pid = os.posix_spawnp(command[0], command, dict(os.environ))
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"maxrss_kb": usage.ru_maxrss, "code": code, "wall_s": wall}, f)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

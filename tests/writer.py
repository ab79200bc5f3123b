"""A separate process that writes files the way an agent or an editor does.

Watch-mode tests run it next to the app under Pilot, so every change reaches
the app as a real file event from another process, never through a call.

Run as ``python tests/writer.py ROOT [SCHEDULE]``: it executes commands, one
JSON object per line, from the SCHEDULE file or else from stdin, and prints
one JSON line per command when it is done::

    {"n": 0, "op": "write", "t0": 1234.5, "t": 1234.6, "writes": [...]}

``t0``/``t`` are ``time.monotonic()`` (system-wide on Linux, so comparable
with the test's clock) before and after the command; ``writes`` has one
``{"path", "t", "sha"}`` per file write, ``sha`` being the SHA-1 of the bytes
written (None for a deletion). Every command may carry ``delay`` (seconds to
sleep first). Commands (paths are relative to ROOT):

- ``write`` path, text | b64, how: ``inplace`` (open, truncate, write: most
  agents and VS Code), ``atomic`` (a temp file in the same folder renamed
  over the target: most editors, git), ``vim`` (vim's default save: probe
  file ``4913``, the original renamed to ``name~``, the new file written,
  the backup removed) or ``append``; ``temp`` names the temp file of
  ``atomic`` (default ``.<name>.writer-<pid>.tmp``)
- ``versions`` path, texts (a list), interval, how: write each text in turn
- ``delete`` path; ``rename`` src, dst (a file or a folder; paths may lead
  out of ROOT with ``..``, to move things in); ``mkdir`` path; ``rmtree`` paths
- ``files`` files (``{path: text}``): written in order, each folder created
  just before its first file, as a code generator or a checkout does
- ``burst`` count, prefix, per_dir (100), template (``"{i}"`` replaced by
  the file number), plus optional ``modify`` (a list of existing paths to
  append a line to, interleaved with the new files, as a branch checkout
  rewrites files): the ``writes`` list then holds only the count
- ``sleep`` s; ``ping`` (nothing; answers at once); ``quit``

``WriterProcess`` (below) is the tests' handle on one such process.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

HERE = Path(__file__).resolve()


# -- the writer process ------------------------------------------------------------


def _sha(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha1(data).hexdigest()


def _write(root: Path, rel: str, data: bytes, how: str, temp: str | None) -> None:
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    if how == "inplace":
        with open(target, "wb") as f:
            f.write(data)
    elif how == "append":
        with open(target, "ab") as f:
            f.write(data)
    elif how == "atomic":
        tmp = target.with_name(temp or f".{target.name}.writer-{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    elif how == "vim":
        probe = target.with_name("4913")
        probe.touch()
        probe.unlink()
        backup = target.with_name(target.name + "~")
        existed = target.exists()
        if existed:
            os.replace(target, backup)
        with open(target, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if existed:
            backup.unlink()
    else:
        raise ValueError(f"unknown write style {how!r}")


def _data(cmd: dict[str, Any]) -> bytes:
    if "b64" in cmd:
        return base64.b64decode(cmd["b64"])
    return str(cmd["text"]).encode("utf-8")


def run_command(root: Path, cmd: dict[str, Any]) -> dict[str, Any]:
    """Carry out one command; return what was written and when."""
    if cmd.get("delay"):
        time.sleep(float(cmd["delay"]))
    op = cmd["op"]
    writes: list[dict[str, Any]] = []
    t0 = time.monotonic()

    def note(path: str, data: bytes | None) -> None:
        writes.append({"path": path, "t": time.monotonic(), "sha": _sha(data)})

    if op == "write":
        data = _data(cmd)
        how = cmd.get("how", "inplace")
        _write(root, cmd["path"], data, how, cmd.get("temp"))
        note(cmd["path"], (root / cmd["path"]).read_bytes() if how == "append" else data)
    elif op == "versions":
        interval = float(cmd.get("interval", 0.0))
        for i, text in enumerate(cmd["texts"]):
            if i and interval:
                time.sleep(interval)
            data = text.encode("utf-8")
            _write(root, cmd["path"], data, cmd.get("how", "inplace"), cmd.get("temp"))
            note(cmd["path"], data)
    elif op == "delete":
        (root / cmd["path"]).unlink()
        note(cmd["path"], None)
    elif op == "rmtree":
        for folder in cmd["paths"]:
            shutil.rmtree(root / folder)
            note(folder, None)
    elif op == "files":
        # Many files at once, each folder created right before its files (as a
        # code generator or a checkout does): {"files": {path: text}}.
        for rel, text in cmd["files"].items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            data = text.encode("utf-8")
            (root / rel).write_bytes(data)
            note(rel, data)
    elif op == "rename":
        os.replace(root / cmd["src"], root / cmd["dst"])
        note(cmd["src"], None)
        moved = root / cmd["dst"]
        note(cmd["dst"], None if moved.is_dir() else moved.read_bytes())
    elif op == "mkdir":
        (root / cmd["path"]).mkdir(parents=True, exist_ok=True)
    elif op == "burst":
        count = int(cmd["count"])
        per_dir = int(cmd.get("per_dir", 100))
        template = str(cmd.get("template", "generated file {i}\n"))
        modify = list(cmd.get("modify", []))
        made = 0
        for i in range(count):
            rel = f"{cmd['prefix']}d{i // per_dir:03d}/f{i:05d}.txt"
            path = root / rel
            if i % per_dir == 0:
                path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(template.replace("{i}", str(i)), encoding="utf-8")
            made += 1
            if modify:
                with open(root / modify.pop(), "a", encoding="utf-8") as f:
                    f.write(f"changed by the burst {i}\n")
                made += 1
        for rel in modify:
            with open(root / rel, "a", encoding="utf-8") as f:
                f.write("changed by the burst\n")
            made += 1
        writes.append({"count": made, "t": time.monotonic()})
    elif op == "sleep":
        time.sleep(float(cmd["s"]))
    elif op != "ping":
        raise ValueError(f"unknown command {op!r}")
    return {"op": op, "t0": t0, "t": time.monotonic(), "writes": writes}


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = Path(argv[1])
    source: IO[str] = (
        open(argv[2], encoding="utf-8")  # noqa: SIM115 - closed by the with below
        if len(argv) > 2
        else sys.stdin
    )
    with source:
        for n, line in enumerate(source):
            if not line.strip():
                continue
            cmd = json.loads(line)
            if cmd.get("op") == "quit":
                break
            try:
                result = run_command(root, cmd)
            except Exception as exc:  # the test reads the error instead of a hang
                result = {"op": cmd.get("op"), "error": f"{type(exc).__name__}: {exc}"}
            print(json.dumps({"n": n, **result}), flush=True)
    return 0


# -- the tests' handle on a writer process ------------------------------------------


class WriterError(AssertionError):
    pass


class WriterProcess:
    """A running ``writer.py``: ``send`` a command, then ``reply`` (blocking)
    or ``await areply`` (polling, so the app under Pilot keeps running)."""

    def __init__(self, root: Path, schedule: list[dict[str, Any]] | None = None) -> None:
        self.root = root
        argv = [sys.executable, str(HERE), str(root)]
        self._schedule_file: Path | None = None
        if schedule is not None:
            self._schedule_file = root.parent / f"writer-schedule-{id(self)}.jsonl"
            self._schedule_file.write_text(
                "".join(json.dumps(c) + "\n" for c in schedule), encoding="utf-8"
            )
            argv.append(str(self._schedule_file))
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE if schedule is None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self._replies: queue.Queue[dict[str, Any]] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._replies.put(json.loads(line))

    def send(self, op: str, **args: Any) -> None:
        assert self.proc.stdin is not None, "a scheduled writer takes no commands"
        self.proc.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self.proc.stdin.flush()

    def _checked(self, reply: dict[str, Any]) -> dict[str, Any]:
        if "error" in reply:
            raise WriterError(f"writer failed: {reply['error']}")
        return reply

    def reply(self, timeout: float = 30.0) -> dict[str, Any]:
        try:
            return self._checked(self._replies.get(timeout=timeout))
        except queue.Empty:
            raise WriterError(f"no reply from the writer within {timeout} s") from None

    def do(self, op: str, timeout: float = 30.0, **args: Any) -> dict[str, Any]:
        self.send(op, **args)
        return self.reply(timeout)

    def poll_reply(self) -> dict[str, Any] | None:
        try:
            return self._checked(self._replies.get_nowait())
        except queue.Empty:
            return None

    async def areply(self, timeout: float = 30.0) -> dict[str, Any]:
        import asyncio

        deadline = time.monotonic() + timeout
        while (got := self.poll_reply()) is None:
            if time.monotonic() > deadline:
                raise WriterError(f"no reply from the writer within {timeout} s")
            await asyncio.sleep(0.005)
        return got

    async def ado(self, op: str, timeout: float = 30.0, **args: Any) -> dict[str, Any]:
        self.send(op, **args)
        return await self.areply(timeout)

    def close(self) -> None:
        if self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.write('{"op": "quit"}\n')
                self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        if self.proc.stderr is not None:
            self.proc.stderr.close()
        if self._schedule_file is not None:
            self._schedule_file.unlink(missing_ok=True)

    def __enter__(self) -> WriterProcess:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""What the seat tests share: a seat that records every message it hears
and waits (on those messages, never on time) for the one a test expects."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.gate.seat_link import SeatLink

Message = dict[str, Any]


class Seat:
    """A subscribed seat; ``wait_for(pred)`` returns the first message heard
    (from the subscription's start) that ``pred`` accepts."""

    def __init__(
        self, state_dir: Path, name: str, *, read_only: bool = False, role: str = "both"
    ) -> None:
        self.heard: list[Message] = []
        self._changed = threading.Condition()
        self.link = SeatLink(state_dir, name, read_only=read_only, role=role, on_message=self._hear)
        self.state = self.link.open()

    def _hear(self, message: Message) -> None:
        with self._changed:
            self.heard.append(message)
            self._changed.notify_all()

    def wait_for(self, pred: Callable[[Message], bool], what: str, timeout: float = 60) -> Message:
        with self._changed:
            found: list[Message] = []

            def seen() -> bool:
                found[:] = [m for m in self.heard if pred(m)]
                return bool(found)

            assert self._changed.wait_for(seen, timeout), f"{self.link.seat} never heard {what}"
            return found[0]

    def hunks(self, path: str) -> list[str]:
        """The pending hunk ids of ``path`` as the latest message says."""
        latest: list[str] | None = None
        for message in [self.state, *self.heard]:
            files = message.get("files") or ([message["file"]] if "file" in message else [])
            for f in files:
                if f["path"] == path and f.get("loaded"):
                    latest = [h["id"] for h in f["hunks"]]
        return latest or []

    def close(self) -> None:
        self.link.close()

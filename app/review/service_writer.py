"""The review's writer thread: ``submit`` checks a command at once and
queues it; the writer runs the queued commands in order, and ``flush`` and
``close`` wait for it (a base of ``ReviewService``)."""

from __future__ import annotations

import queue
import threading

from app.core.errors import ApplyError, TetherError
from app.review.commands import Command, Decide
from app.review.events import CommandFailed
from app.review.service_commands import ServiceCommands


class ServiceWriter(ServiceCommands):
    """Key presses' commands, written in order off the UI's thread."""

    _queue: queue.Queue[Command | None]
    _writer: threading.Thread | None
    _busy: int  # submitted, until their events are delivered (flush waits for 0)
    _queued: int  # submitted, until written or failed (what ``busy`` says)
    _idle: threading.Condition
    _closed: bool
    _go: threading.Event  # cleared while a deferred command waits for ``release``

    # -- the writer thread -------------------------------------------------------

    def submit(self, command: Command, *, defer: bool = False) -> None:
        """Check ``command`` now, run it on the writer thread (in order).

        Raises its refusal at once, so a key press can say why; otherwise the
        decided hunks leave the view now, and ``DecisionMade`` or
        ``CommandFailed`` follows. With ``defer`` the writer waits for
        ``release``: a UI releases it once the frame that shows the decision
        is drawn, so the write's work never delays that frame (threads share
        one interpreter lock).
        """
        with self._locked():
            if self._closed:
                raise ApplyError("the review is closing; nothing was written")
            self._check(command)
            if defer:
                self._go.clear()
            if isinstance(command, Decide) and not command.lines:
                self._deciding.setdefault(command.path, set()).update(command.hunks)
                self._changed(command.path, "deciding")
            with self._idle:
                self._busy += 1
                self._queued += 1
            self._start_writer()
            self._queue.put(command)

    def _start_writer(self) -> None:
        if self._writer is None or not self._writer.is_alive():
            self._writer = threading.Thread(
                target=self._write_loop, name="tether-review-writer", daemon=True
            )
            self._writer.start()

    def release(self) -> None:
        """Let the writer go on with deferred commands."""
        self._go.set()

    def _write_loop(self) -> None:
        while True:
            command = self._queue.get()
            if command is None:
                return
            self._go.wait()
            try:
                with self._locked():
                    failed: TetherError | None = None
                    try:
                        self._execute(command)
                    except TetherError as exc:
                        failed = exc
                    except OSError as exc:  # disk full, permission, I/O: the review goes on
                        failed = self._os_error(exc, command)
                    except Exception as exc:  # noqa: BLE001 - a bug; the hunks still come back
                        failed = TetherError(
                            f"internal error ({type(exc).__name__}: {exc}); nothing was written"
                        )
                    finally:
                        if isinstance(command, Decide):
                            self._deciding.get(command.path, set()).difference_update(command.hunks)
                        with self._idle:
                            self._queued -= 1  # before the events go out: they may ask ``busy``
                    if failed is not None:
                        self._emit(CommandFailed(command, failed))
                        path = getattr(command, "path", None)
                        if path is not None:
                            self._changed(path, "restored")
            except BaseException as exc:  # noqa: BLE001 - never let the writer die silently
                error = TetherError(f"internal error ({type(exc).__name__}: {exc})")
                self._emit_now(CommandFailed(command, error))
            finally:
                with self._idle:
                    self._busy -= 1
                    self._idle.notify_all()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every submitted command has run; False on timeout."""
        self.release()
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)

    @property
    def busy(self) -> bool:
        """Whether submitted commands are still waiting to be written."""
        return self._queued > 0

    def close(self) -> None:
        """Finish every submitted command, then stop the writer thread."""
        self._closed = True
        self.flush()  # releases deferred commands first
        if self._writer is not None and self._writer.is_alive():
            self._queue.put(None)
            self._writer.join()

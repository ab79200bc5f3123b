"""A whole-file change as the review shows it: one hunk with no lines whose
header row says what changes, its id made from the path and the change (so
it names the same change after a reload), and the files its write touches."""

from __future__ import annotations

import hashlib

from app.core.model import FilePatch, FileReview, Hunk
from app.core.preflight import Target
from app.core.wholefile import LINK


def whole_hunk(fr: FileReview) -> Hunk:
    change = fr.whole
    assert change is not None
    digest = hashlib.sha1(fr.path.encode("utf-8", "surrogateescape"))
    for state in (change.old, change.new):
        digest.update(
            b"\0%s\0%s\0"
            % (str(state.path).encode("utf-8", "surrogateescape"), str(state.mode).encode())
        )
        digest.update(hashlib.sha1(state.data).digest() if state.data is not None else b"-")
    fingerprint = digest.hexdigest()
    return Hunk(
        0,
        0,
        0,
        0,
        [],
        id=fingerprint[:10],
        fingerprint=fingerprint,
        fingerprint_of=fr.path,
        whole=change.what,
    )


def whole_patch(fr: FileReview) -> FilePatch:
    """The file's pending hunks: the change's one, until it is decided."""
    change = fr.whole
    assert change is not None
    hunks = [whole_hunk(fr)] if change.state == "pending" else []
    return FilePatch(change.old.path, change.new.path, hunks, status=fr.status)


def whole_targets(fr: FileReview, op: str, accepted_on_disk: bool) -> list[Target]:
    """The files on disk the decision writes, for a write set's preflight:
    an accept writes the new state (and removes a renamed file's old name)
    when the accepted side is the disk."""
    change = fr.whole
    assert change is not None
    if op != "accept" or not accepted_on_disk:
        return []
    new, old = change.new, change.old
    targets = []
    if new.path is not None:
        targets.append(Target(new.path, len(new.data or b""), link=new.mode == LINK))
    if old.path is not None and old.path != new.path:
        targets.append(Target(old.path, None))
    return targets

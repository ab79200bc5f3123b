"""``tether mcp`` driven by the ``mcp`` SDK's own client over stdio: the
server runs as a subprocess, a real GateHost + GateServer (what ``tether
inbox`` runs) answers it in this process, the human decides through the
host's review service, and the server writes exactly the accepted hunks
(issue 12)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.shared.exceptions import MCPError
from mcp_types import CallToolResult, TextResourceContents
from test_gate_answers import BASE, EDITED_SPAN, SPAN, make_gate_repo
from test_gate_hook import TETHER
from test_gate_host import Arrivals

from app.core.journal import Op
from app.core.locations import state_dir_for
from app.core.model import Side
from app.gate.endpoint import GateServer
from app.gate.host import GateHost, open_gate
from app.review.commands import Decide

REASON = "keep line 20: the report parses it"


@pytest.fixture
def repo(tmp_path: Path, isolated_home: Path) -> Path:
    root = make_gate_repo(tmp_path)
    (root / ".env").write_text("TOKEN=x\n")
    return root


@pytest.fixture
def host(repo: Path) -> Iterator[GateHost]:
    gate_host = open_gate(repo)
    with GateServer(state_dir_for(repo), gate_host):
        yield gate_host
    gate_host.close()
    gate_host.service.close()


def connect(repo: Path) -> Client:
    """The SDK's client, spawning ``tether mcp`` in ``repo`` (entered in each
    test: the SDK's task group must be left by the task that entered it)."""
    return Client(StdioServerParameters(command=TETHER, args=["mcp"], cwd=repo))


def text_of(result: CallToolResult) -> str:
    return "\n".join(str(getattr(block, "text", "")) for block in result.content)


async def call_and_decide(
    client: Client, host: GateHost, tool: str, arguments: dict[str, Any], decide: Any
) -> tuple[CallToolResult, list[str]]:
    """Call ``tool``; once its hunks are in the review and the server has told
    the client so (a progress notification), ``decide(service)``."""
    arrivals = Arrivals(host)
    progress: list[str] = []
    queued = asyncio.Event()

    async def on_progress(_done: float, _total: float | None, message: str | None) -> None:
        progress.append(message or "")
        if "waiting for review" in (message or ""):
            queued.set()

    call = asyncio.ensure_future(client.call_tool(tool, arguments, progress_callback=on_progress))
    await asyncio.to_thread(arrivals.wait)
    # The bound only keeps a broken server from hanging the suite.
    await asyncio.wait_for(queued.wait(), 60)
    decide(host.service)
    return await call, progress


async def test_lists_its_tools_and_resources(repo: Path) -> None:
    async with connect(repo) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert {"propose_edit", "propose_write", "propose_patch"} <= set(tools)
        schema = tools["propose_edit"].output_schema
        assert schema is not None and {"hunks", "applied", "notes"} <= set(schema["properties"])
        uris = {str(r.uri) for r in (await client.list_resources()).resources}
        assert {"tether://review/status", "tether://review/pending"} <= uris


async def test_some_hunks_accepted_are_exactly_what_is_written(repo: Path, host: GateHost) -> None:
    async with connect(repo) as client:

        def decide(service: Any) -> None:
            first, second = service.all_hunks("src/app.py")
            service.execute(Decide("accept", "src/app.py", (first,)))
            service.execute(Decide("reject", "src/app.py", (second,), reason=REASON))

        arguments = {"path": "src/app.py", "old": SPAN, "new": EDITED_SPAN}
        result, progress = await call_and_decide(client, host, "propose_edit", arguments, decide)
        assert not result.is_error, text_of(result)
        out = result.structured_content
        assert out is not None
        assert [h["decision"] for h in out["hunks"]] == ["accepted", "rejected"]
        assert out["hunks"][1]["reason"] == REASON and out["applied"] == ["src/app.py"]
        assert REASON in text_of(result)
        assert (repo / "src/app.py").read_text() == BASE.replace("line 5\n", "line five\n")
        assert any("waiting for review" in m for m in progress)
        # The write is journaled from the server's own source, with the origin.
        writes = [e for e in host.service.journal.entries() if e.source.startswith("mcp:")]
        assert [(e.op, e.side, e.path) for e in writes] == [
            (Op.ACCEPT, Side.WORKTREE, "src/app.py")
        ]
        assert writes[0].extra.get("origin") == "mcp propose_edit propose_edit-1"


async def test_status_and_queue_while_a_call_waits(repo: Path, host: GateHost) -> None:
    async with connect(repo) as client:
        seen: dict[str, Any] = {}

        def decide(service: Any) -> None:
            service.execute(
                Decide("reject", "notes.txt", service.all_hunks("notes.txt"), reason="no")
            )

        async def read(uri: str) -> Any:
            contents = (await client.read_resource(uri)).contents[0]
            assert isinstance(contents, TextResourceContents)
            return json.loads(contents.text)

        arrivals = Arrivals(host)
        arguments = {"path": "notes.txt", "content": "alpha\ngamma\n"}
        call = asyncio.ensure_future(client.call_tool("propose_write", arguments))
        await asyncio.to_thread(arrivals.wait)
        seen["status"] = await read("tether://review/status")
        seen["queue"] = await read("tether://review/pending")
        decide(host.service)
        result = await call
        assert seen["status"] == {"pending": 1, "decided": 0}
        assert seen["queue"] == [
            {"path": "notes.txt", "origin": "mcp propose_write propose_write-1", "pending": 1}
        ]
        out = result.structured_content
        assert (
            out is not None and out["applied"] == [] and out["hunks"][0]["decision"] == "rejected"
        )
        assert (repo / "notes.txt").read_text() == "alpha\nbeta\n"


async def test_a_file_changed_meanwhile_is_stale_and_not_written(
    repo: Path, host: GateHost
) -> None:
    async with connect(repo) as client:
        theirs = "alpha\nbeta\nsomeone else's line\n"

        def decide(service: Any) -> None:
            (repo / "notes.txt").write_text(theirs)  # another writer, while the human decides
            service.execute(Decide("accept", "notes.txt", service.all_hunks("notes.txt")))

        arguments = {"path": "notes.txt", "old": "beta\n", "new": "gamma\n"}
        result, _ = await call_and_decide(client, host, "propose_edit", arguments, decide)
        out = result.structured_content
        assert out is not None and out["applied"] == []
        assert [h["decision"] for h in out["hunks"]] == ["stale"]
        assert "changed on disk" in " ".join(out["notes"])
        assert (repo / "notes.txt").read_text() == theirs


async def test_a_unified_patch_accepted_adds_and_changes_files(repo: Path, host: GateHost) -> None:
    async with connect(repo) as client:
        patch = (
            "--- a/notes.txt\n+++ b/notes.txt\n@@ -1,2 +1,2 @@\n alpha\n-beta\n+gamma\n"
            "--- /dev/null\n+++ b/docs/new.md\n@@ -0,0 +1 @@\n+hello\n"
        )

        def decide(service: Any) -> None:
            for path in ("notes.txt", "docs/new.md"):
                service.execute(Decide("accept", path, service.all_hunks(path)))

        result, _ = await call_and_decide(client, host, "propose_patch", {"patch": patch}, decide)
        out = result.structured_content
        assert out is not None, text_of(result)
        assert sorted(out["applied"]) == ["docs/new.md", "notes.txt"]
        assert (repo / "notes.txt").read_text() == "alpha\ngamma\n"
        assert (repo / "docs/new.md").read_text() == "hello\n"


async def test_no_tether_running_is_a_clear_tool_error(repo: Path) -> None:
    async with connect(repo) as client:
        arguments = {"path": "notes.txt", "old": "beta\n", "new": "gamma\n"}
        result = await client.call_tool("propose_edit", arguments)
        assert result.is_error and "tether inbox" in text_of(result)
        assert (repo / "notes.txt").read_text() == "alpha\nbeta\n"
        with pytest.raises(MCPError, match="tether inbox"):
            await client.read_resource("tether://review/status")


@pytest.mark.parametrize(
    ("path", "why"),
    [(".env", "secret"), ("../outside.txt", "outside the repository"), (".git/config", ".git")],
)
async def test_secret_and_outside_paths_are_refused(repo: Path, path: str, why: str) -> None:
    async with connect(repo) as client:
        result = await client.call_tool("propose_write", {"path": path, "content": "x\n"})
        assert result.is_error and why in text_of(result), text_of(result)
        assert (repo / ".env").read_text() == "TOKEN=x\n"
        assert not (repo.parent / "outside.txt").exists()


async def test_a_call_the_client_cancels_is_withdrawn_from_the_review(
    repo: Path, host: GateHost
) -> None:
    withdrawn = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_event(_event: Any) -> None:
        rejected = [e for e in host.service.journal.entries() if e.op is Op.REJECT]
        if rejected and "withdrawn" in str(rejected[-1].extra.get("reason")):
            loop.call_soon_threadsafe(withdrawn.set)

    async with connect(repo) as client:
        arrivals = Arrivals(host)
        queued = asyncio.Event()

        async def on_progress(_done: float, _total: float | None, message: str | None) -> None:
            if "waiting for review" in (message or ""):
                queued.set()

        arguments = {"path": "notes.txt", "content": "x\n"}
        call = asyncio.ensure_future(
            client.call_tool("propose_write", arguments, progress_callback=on_progress)
        )
        await asyncio.to_thread(arrivals.wait)
        await asyncio.wait_for(queued.wait(), 60)
        host.service.subscribe(on_event)
        call.cancel()  # the SDK tells the server (notifications/cancelled)
        await asyncio.wait_for(withdrawn.wait(), 60)
    assert host.service.pending == 0
    assert (repo / "notes.txt").read_text() == "alpha\nbeta\n"


async def test_a_v4a_move_accepted_moves_the_file(repo: Path, host: GateHost) -> None:
    patch = (
        "*** Begin Patch\n*** Update File: notes.txt\n*** Move to: docs/notes.txt\n"
        "@@\n alpha\n-beta\n+gamma\n*** End Patch\n"
    )

    def decide(service: Any) -> None:
        service.execute(Decide("accept", "docs/notes.txt", service.all_hunks("docs/notes.txt")))

    async with connect(repo) as client:
        result, _ = await call_and_decide(client, host, "propose_patch", {"patch": patch}, decide)
    out = result.structured_content
    assert out is not None and out["applied"] == ["docs/notes.txt"], text_of(result)
    assert (repo / "docs/notes.txt").read_text() == "alpha\ngamma\n"
    assert not (repo / "notes.txt").exists()

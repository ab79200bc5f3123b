"""The context packager of the autonomy slider, in a real git repository.

What each level sends, allows and withholds; that no secret ever reaches
``render()``; and which hunks the scope made from a packet lets through. Also the outliner
and import resolver it is built on.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from app.core import context as ctx
from app.core.autonomy import Level, Scope
from app.core.context import ContextError, ContextPacket, build_context, model_may_edit
from app.core.errors import UnsafePathError
from app.core.model import DiffLine, Hunk
from app.core.outline import enclosing_definition, format_outline, imports, outline
from app.core.paths import normalize, resolve_in_root

KEY = "sk-test-ABCDEFGHIJKLMNOPQRSTUV"

MAIN = """\
import os
import secrets
from pkg.core import Engine
from . import util
from .missing import nothing


def run(n: int) -> int:
    engine = Engine(n)
    total = 0
    for i in range(n):
        total += engine.step(i)
    return total + util.double(n)


class Runner:
    def go(self) -> int:
        return run(3)
"""

CORE = """\
class Engine:
    def __init__(self, n: int) -> None:
        self.n = n

    def step(self, i: int) -> int:
        return i * self.n
"""

FILES: dict[str, str | bytes] = {
    ".gitignore": "build/\n*.log\n",
    "README.md": "# demo\n",
    "pkg/__init__.py": "",
    "pkg/main.py": MAIN,
    "pkg/core.py": CORE,
    "pkg/util.py": "def double(n):\n    return 2 * n\n",
    "pkg/pem.py": 'HEADER = "-----BEGIN RSA PRIVATE KEY-----"\n',  # code about keys is sent
    ".env": f"OPENAI_API_KEY={KEY}\n",  # tracked by accident: the deny-list still holds
    "secrets.py": f"TOKEN = '{KEY}'\n",  # imported by pkg/main.py
    "certs/server.pem": f"-----BEGIN CERTIFICATE-----\n{KEY}\n",
    "deploy_key": f"-----BEGIN RSA PRIVATE KEY-----\n{KEY}\n",  # name not on the list
    "logo.png": b"\x89PNG\r\n\x1a\n\x00\x00" + KEY.encode(),
    "latin1.txt": "caf\xe9\n".encode("latin-1"),
    "vendor.log": f"{KEY}\n",  # tracked although *.log is ignored (git add -f)
}
UNTRACKED: dict[str, str] = {
    "id_rsa": f"-----BEGIN OPENSSH PRIVATE KEY-----\n{KEY}\n",
    "notes.md": "# untracked but not ignored\n",
    "config/.env.local": f"KEY={KEY}\n",
    "build/out.txt": f"{KEY}\n",
    "app.log": f"{KEY}\n",
}


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        timeout=30,
    )


def write(root: Path, files: dict[str, str | bytes] | dict[str, str]) -> None:
    for rel, body in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, bytes):
            target.write_bytes(body)
        else:
            target.write_text(body, encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path, isolated_home: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    write(root, FILES)
    os.symlink(".env", root / "link.txt")  # an innocent name for the secret
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "add", "-f", "vendor.log")
    git(root, "commit", "-q", "-m", "init")
    write(root, UNTRACKED)
    return root


def shape(packet: ContextPacket) -> list[tuple[str, str, int, int]]:
    return [(p.path, p.kind, p.start_line, p.end_line) for p in packet.parts]


def excluded(packet: ContextPacket) -> dict[str, str]:
    return dict(packet.excluded)


# (id, level, kwargs, parts, allowed paths, allowed ranges, excluded ⊇ {path: reason start})
LEVELS = [
    ("off", 0, {"path": "pkg/main.py", "cursor_line": 12}, [], set(), {}, {}),
    (
        "line",
        1,
        {"path": "pkg/main.py", "cursor_line": 12, "around": 2},
        [("pkg/main.py", "lines", 10, 14), ("pkg/main.py", "selection", 12, 12)],
        {"pkg/main.py"},
        {"pkg/main.py": (12, 12)},
        {},
    ),
    (
        "line-selection",
        1,
        {"path": "./pkg/main.py", "selection": (12, 11), "around": 1},
        [("pkg/main.py", "lines", 10, 13), ("pkg/main.py", "selection", 11, 12)],
        {"pkg/main.py"},
        {"pkg/main.py": (11, 12)},
        {},
    ),
    (
        "line-clamped",
        1,
        {"path": "pkg/main.py", "cursor_line": 99, "around": 1},
        [("pkg/main.py", "lines", 17, 18), ("pkg/main.py", "selection", 18, 18)],
        {"pkg/main.py"},
        {"pkg/main.py": (18, 18)},
        {},
    ),
    (
        "line-empty-file",
        1,
        {"path": "pkg/__init__.py", "cursor_line": 5},
        [("pkg/__init__.py", "lines", 1, 1), ("pkg/__init__.py", "selection", 1, 1)],
        {"pkg/__init__.py"},
        {"pkg/__init__.py": (1, 1)},
        {},
    ),
    (
        "chunk",
        2,
        {"path": "pkg/main.py", "selection": (11, 12)},
        [
            ("pkg/main.py", "outline", 1, 18),
            ("pkg/main.py", "definition", 8, 13),
            ("pkg/main.py", "selection", 11, 12),
        ],
        {"pkg/main.py"},
        {"pkg/main.py": (11, 12)},
        {},
    ),
    (
        "chunk-method",
        2,
        {"path": "pkg/main.py", "cursor_line": 18},
        [
            ("pkg/main.py", "outline", 1, 18),
            ("pkg/main.py", "definition", 17, 18),
            ("pkg/main.py", "selection", 18, 18),
        ],
        {"pkg/main.py"},
        {"pkg/main.py": (18, 18)},
        {},
    ),
    (
        "chunk-no-definition",
        2,
        {"path": "pkg/main.py", "selection": (2, 3), "around": 2},
        [
            ("pkg/main.py", "outline", 1, 18),
            ("pkg/main.py", "lines", 1, 5),
            ("pkg/main.py", "selection", 2, 3),
        ],
        {"pkg/main.py"},
        {"pkg/main.py": (2, 3)},
        {},
    ),
    (
        "file",
        3,
        {"path": "pkg/main.py"},
        [
            ("pkg/main.py", "file", 1, 18),
            ("pkg/core.py", "outline", 1, 6),
            ("pkg/util.py", "outline", 1, 2),
        ],
        {"pkg/main.py"},
        {},
        {"secrets.py": "secret"},
    ),
    ("file-secret", 3, {"path": ".env"}, [], set(), {}, {".env": "secret"}),
    ("file-secret-link", 3, {"path": "link.txt"}, [], set(), {}, {"link.txt": "secret"}),
    (
        "file-ignored-tracked",
        3,
        {"path": "vendor.log"},
        [],
        set(),
        {},
        {"vendor.log": "matched by .gitignore"},
    ),
    (
        "file-ignored",
        2,
        {"path": "build/out.txt", "cursor_line": 1},
        [],
        set(),
        {},
        {"build/out.txt": "matched by .gitignore"},
    ),
    ("file-binary", 3, {"path": "logo.png"}, [], set(), {}, {"logo.png": "binary"}),
    ("file-latin1", 3, {"path": "latin1.txt"}, [], set(), {}, {"latin1.txt": "not valid UTF-8"}),
    (
        "file-private-key",
        1,
        {"path": "deploy_key", "cursor_line": 1},
        [],
        set(),
        {},
        {"deploy_key": "holds a private key"},
    ),
    ("file-outside", 3, {"path": "../etc/passwd"}, [], set(), {}, {"../etc/passwd": "unsafe path"}),
    (
        "repo",
        4,
        {"extra_files": ["pkg/core.py", ".env", "build/out.txt", "logo.png", "../x"]},
        [("", "repo-map", 0, 0), ("pkg/core.py", "file", 1, 6)],
        {
            ".gitignore",
            "README.md",
            "pkg/__init__.py",
            "pkg/main.py",
            "pkg/core.py",
            "pkg/util.py",
            "pkg/pem.py",
            "notes.md",
        },
        {},
        {
            ".env": "secret",
            "secrets.py": "secret",
            "certs/server.pem": "secret",
            "id_rsa": "secret",
            "config/.env.local": "secret",
            "link.txt": "secret",
            "deploy_key": "holds a private key",
            "logo.png": "binary",
            "latin1.txt": "not valid UTF-8",
            "vendor.log": "matched by .gitignore",
            "build/": "matched by .gitignore",
            "app.log": "matched by .gitignore",
            "build/out.txt": "matched by .gitignore",
            "../x": "unsafe path",
        },
    ),
]


@pytest.mark.parametrize(
    ("level", "kwargs", "parts", "allowed", "ranges", "withheld"),
    [case[1:] for case in LEVELS],
    ids=[case[0] for case in LEVELS],
)
def test_levels(
    repo: Path,
    level: int,
    kwargs: dict,
    parts: list,
    allowed: set,
    ranges: dict,
    withheld: dict[str, str],
) -> None:
    packet = build_context(repo, level, **kwargs)
    assert shape(packet) == parts
    assert packet.allowed_paths == allowed
    assert packet.allowed_ranges == ranges
    got = excluded(packet)
    for path, reason in withheld.items():
        assert got.get(path, "").startswith(reason), (path, got.get(path))
    if not allowed:
        assert packet.render() == ""
    assert KEY not in packet.render()
    assert not any(KEY in line for line in packet.summary())


def test_texts_sent(repo: Path) -> None:
    chunk = build_context(repo, 2, path="pkg/main.py", selection=(11, 12))
    outline_part, definition, selection = chunk.parts
    assert "L8–13  def run(n: int) -> int" in outline_part.text
    assert "  L17–18  def go(self) -> int" in outline_part.text
    assert definition.text.startswith("def run(n: int) -> int:\n")
    assert selection.text == "    for i in range(n):\n        total += engine.step(i)\n"
    text = chunk.render()
    assert "You may change only: pkg/main.py lines 11–12." in text
    assert "### pkg/main.py (lines 11–12, selection, you may change these lines)" in text
    assert "```py\n    for i in range(n):\n" in text  # verbatim, no line numbers
    full = build_context(repo, 3, path="pkg/main.py")
    assert full.parts[0].text == MAIN
    assert "L2–3  def __init__(self, n: int) -> None" in full.parts[1].text
    assert "### pkg/core.py (outline)" in full.render()


def test_repo_map(repo: Path) -> None:
    packet = build_context(repo, 4, path="pkg/main.py")
    repo_map = packet.parts[0].text
    assert "pkg/core.py\n  L1–6  class Engine\n    L2–3  def __init__" in repo_map
    assert "notes.md\n" in repo_map  # untracked, not ignored: part of the repo
    listed = {line for line in repo_map.splitlines() if not line.startswith(" ")}
    for path in (
        ".env",
        "id_rsa",
        "certs/server.pem",
        "logo.png",
        "vendor.log",
        "app.log",
        "build/out.txt",
        "link.txt",
        "secrets.py",
        "deploy_key",
    ):
        assert path not in listed
    assert [p.path for p in packet.parts[1:]] == ["pkg/main.py"]
    assert packet.notes == []


def test_repo_map_is_capped(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ctx, "MAP_BUDGET", 60)
    packet = build_context(repo, 4)
    assert len(packet.parts[0].text) <= 60
    assert "class Engine" not in packet.parts[0].text
    assert any("repo map capped at 60 chars" in note for note in packet.notes)
    assert "pkg/util.py" in packet.allowed_paths  # not listed, still changeable
    assert KEY not in packet.render()


def test_summary(repo: Path) -> None:
    lines = build_context(repo, 3, path="pkg/main.py").summary()
    assert lines[0] == "level 3 (file): the model may change pkg/main.py"
    assert f"sent pkg/main.py · file · lines 1–18 · 18 lines, {len(MAIN)} chars" in lines
    assert "not sent secrets.py · secret file (deny-list)" in lines
    assert lines[-1].startswith("total: 3 parts, ")
    assert build_context(repo, 0).summary()[0] == "level 0 (off): the model may change nothing"


def test_missing_inputs(repo: Path) -> None:
    with pytest.raises(ContextError):
        build_context(repo, 1, path="pkg/main.py")
    with pytest.raises(ContextError):
        build_context(repo, 3)
    with pytest.raises(ValueError):
        build_context(repo, 5)
    packet = build_context(repo, 3, path="pkg/main.py", extra_files=["README.md"])
    assert "README.md" not in {p.path for p in packet.parts}
    assert any("level 4 only" in note for note in packet.notes)


def test_not_a_git_repository(tmp_path: Path, isolated_home: Path) -> None:
    root = tmp_path / "plain"
    # Without git nothing is ignored, so the ignored files hold no key here.
    plain = {"build/out.txt": "built\n", "app.log": "log\n", "vendor.log": "log\n"}
    write(root, {**FILES, **UNTRACKED, **plain, ".hidden/x.py": "x = 1\n"})
    packet = build_context(root, 4, extra_files=[".env", "build/out.txt", "id_rsa"])
    assert any("not a git repository" in note for note in packet.notes)
    repo_map = packet.parts[0].text
    assert "pkg/core.py\n  L1–6  class Engine" in repo_map
    assert "app.log" in repo_map and ".hidden" not in repo_map
    assert [p.path for p in packet.parts[1:]] == ["build/out.txt"]
    assert {
        ".env",
        "id_rsa",
        "logo.png",
        "certs/server.pem",
        "config/.env.local",
        "deploy_key",
        "secrets.py",
    } <= set(excluded(packet))
    assert KEY not in packet.render()
    assert ".env" not in packet.allowed_paths
    level3 = build_context(root, 3, path="pkg/main.py")
    assert [p.path for p in level3.parts] == ["pkg/main.py", "pkg/core.py", "pkg/util.py"]
    assert may_change(packet, root, "pkg/new.py", 1, 0)
    assert not may_change(packet, root, "node_modules/x.js", 1, 0)


@pytest.fixture
def packets(repo: Path) -> dict[int, ContextPacket]:
    return {
        0: build_context(repo, 0),
        1: build_context(repo, 1, path="pkg/main.py", cursor_line=12),
        2: build_context(repo, 2, path="pkg/main.py", selection=(11, 12)),
        3: build_context(repo, 3, path="pkg/main.py"),
        4: build_context(repo, 4),
    }


SCOPE = [
    (0, "pkg/main.py", 12, 1, False),
    (1, "pkg/main.py", 12, 1, True),  # the cursor line
    (1, "pkg/main.py", 11, 2, False),  # reaches above it
    (1, "pkg/main.py", 12, 0, True),  # insertion before it (top edge)
    (1, "pkg/main.py", 13, 0, True),  # insertion after it (bottom edge)
    (1, "pkg/main.py", 14, 0, False),
    (2, "pkg/main.py", 11, 2, True),  # exactly the selection
    (2, "pkg/main.py", 12, 1, True),  # inside
    (2, "./pkg/main.py", 11, 1, True),
    (2, "pkg/main.py", 10, 1, False),  # just above
    (2, "pkg/main.py", 13, 1, False),  # just below
    (2, "pkg/main.py", 12, 2, False),  # starts inside, ends outside
    (2, "pkg/main.py", 10, 4, False),  # covers it and more
    (2, "pkg/main.py", 11, 0, True),  # insertion at the top edge
    (2, "pkg/main.py", 12, 0, True),  # insertion inside
    (2, "pkg/main.py", 13, 0, True),  # insertion at the bottom edge
    (2, "pkg/main.py", 10, 0, False),
    (2, "pkg/main.py", 14, 0, False),
    (2, "pkg/core.py", 1, 1, False),  # other file
    (3, "pkg/main.py", 1, 18, True),
    (3, "pkg/main.py", 19, 0, True),
    (3, "pkg/core.py", 1, 1, False),
    (3, "pkg/new.py", 1, 0, False),
    (4, "pkg/core.py", 2, 1, True),
    (4, "notes.md", 1, 1, True),  # untracked, not ignored
    (4, "pkg/new.py", 1, 0, True),  # a new file
    (4, "build/new.py", 1, 0, False),  # new, but ignored
    (4, "new.log", 1, 0, False),
    (4, ".env", 1, 1, False),
    (4, "config/new.pem", 1, 0, False),  # new, but secret
    (4, "vendor.log", 1, 1, False),
    (4, "logo.png", 1, 1, False),
    (4, "id_rsa", 1, 1, False),
    (4, "app.log", 1, 1, False),  # exists, ignored
    (4, "../outside.py", 1, 0, False),
    (4, ".git/config", 1, 1, False),
]


def may_change(packet: ContextPacket, root: Path, path: str, start: int, length: int) -> bool:
    """Whether a hunk changing old lines [start, start + length) of ``path``
    may be accepted, as the loop decides it: the generation refuses an edit
    to an unsafe, secret or ignored path before it is a hunk, then the scope
    the packet allowed (``Scope.from_packet``) judges the hunk."""
    try:
        resolve_in_root(root, path)
        path = normalize(path)
    except UnsafePathError:
        return False
    if model_may_edit(root, path):
        return False
    if length:
        lines = [DiffLine("-", f"{n}\n", old_no=n) for n in range(start, start + length)]
        hunk = Hunk(start, length, start, 0, [*lines, DiffLine("+", "x\n")])
    else:  # an insertion before line ``start`` (a new file: before line 1)
        hunk = Hunk(start - 1, 0, start, 1, [DiffLine("+", "x\n")])
    scope = Scope.from_packet(packet, Level(packet.level))
    return scope.hunk_in_scope(path, hunk)


@pytest.mark.parametrize(("level", "path", "start", "length", "expected"), SCOPE)
def test_the_scope_a_packet_allows(
    repo: Path,
    packets: dict[int, ContextPacket],
    level: int,
    path: str,
    start: int,
    length: int,
    expected: bool,
) -> None:
    assert may_change(packets[level], repo, path, start, length) is expected


@pytest.mark.parametrize(
    ("after", "expected"),
    [(19, False), (20, True), (22, True), (25, True), (26, False)],
)
def test_an_insertion_with_context_is_placed_where_its_lines_go(after: int, expected: bool) -> None:
    """A real hunk carries context: the insertion goes after the last context
    line before its first added line, not at the hunk's first line (which
    put an insertion at the top of a selection out of scope)."""
    context = [DiffLine(" ", f"{n}\n", old_no=n, new_no=n) for n in (after - 2, after - 1, after)]
    following = [DiffLine(" ", f"{after + 1}\n", old_no=after + 1, new_no=after + 2)]
    hunk = Hunk(after - 2, 4, after - 2, 5, [*context, DiffLine("+", "new\n"), *following])
    scope = Scope(level=Level.CHUNK, path="a.py", lines=(21, 25))
    assert scope.hunk_in_scope("a.py", hunk) is expected


# --- outline and imports ---------------------------------------------------------------


def test_python_outline() -> None:
    text = (
        "@dec\nclass A(B):\n    def m(self):\n        def inner(): pass\n\nasync def f(x=1): ...\n"
    )
    items = outline("a.py", text)
    assert [(i.line, i.end_line, i.kind, i.name, i.depth) for i in items] == [
        (1, 4, "class", "A", 0),
        (3, 4, "method", "m", 1),
        (4, 4, "function", "inner", 2),
        (6, 6, "function", "f", 0),
    ]
    assert items[-1].signature == "async def f(x=1)"
    inner = enclosing_definition("a.py", text, 4)
    assert inner is not None and inner.name == "inner"
    assert enclosing_definition("a.py", text, 5) is None
    broken = outline("a.py", text + "def g(:\n")  # SyntaxError: the heuristic takes over
    assert [i.name for i in broken] == ["A", "m", "inner", "f", "g"]


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        (
            "a.go",
            "type P struct {\n\tX int\n}\n\nfunc (p *P) Move() {\n\tp.X++\n}\n",
            [(1, 3, "struct", "P"), (5, 7, "function", "Move")],
        ),
        (
            "a.rs",
            "pub struct S;\nimpl S {\n    pub fn new() -> Self {\n        S\n    }\n}\n",
            [(1, 1, "struct", "S"), (2, 6, "impl", "S"), (3, 5, "function", "new")],
        ),
        (
            "a.ts",
            "export interface I {\n  a: string;\n}\nexport const f = (x) => {\n  return x;\n};\n"
            "type T = A | B;\n",
            [(1, 3, "interface", "I"), (4, 6, "function", "f"), (7, 7, "type", "T")],
        ),
        (
            "a.c",
            "static int add(int a, int b) {\n    if (a) {\n        return b;\n    }\n}\n",
            [(1, 5, "function", "add")],
        ),
        (
            "a.rb",
            "class K\n  def go\n    1\n  end\nend\n",
            [(1, 5, "class", "K"), (2, 4, "function", "go")],
        ),
    ],
)
def test_heuristic_outline(path: str, text: str, expected: list) -> None:
    assert [(i.line, i.end_line, i.kind, i.name) for i in outline(path, text)] == expected
    assert format_outline(outline(path, text))


def test_imports() -> None:
    files = {
        "pkg/__init__.py",
        "pkg/a.py",
        "pkg/b.py",
        "pkg/sub/__init__.py",
        "pkg/sub/c.py",
        "src/lib/x.py",
        "util.py",
    }
    text = (
        "import pkg.b\nfrom . import b\nfrom .sub import c, nothing\nfrom .. import util\n"
        "import util, os\nfrom pkg import *\nimport lib.x\nfrom pkg import a\n"
    )
    assert imports("pkg/a.py", text, files) == [
        "pkg/b.py",
        "pkg/sub/c.py",
        "pkg/sub/__init__.py",
        "util.py",
        "pkg/__init__.py",
        "src/lib/x.py",
    ]
    assert imports("pkg/sub/c.py", "from ... import x\nfrom ..a import f\n", files) == ["pkg/a.py"]
    assert imports("pkg/a.js", "import x from './b'\n", files) == []
    assert imports("pkg/a.py", "import (\n", files) == []

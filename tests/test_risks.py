"""Risk flags (issue 14): each rule a pure function of the path and the
hunk's lines, table-tested; and the flags shown beside the hunk's header."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.core.textdiff import diff_texts
from app.review.risks import Risk, hunk_risks

PAD = "".join(f"x{n} = {n}\n" for n in range(8))


def risks(path: str, old: str, new: str) -> list[tuple[str, str]]:
    patch, _ = diff_texts(old, new, path)
    (hunk,) = patch.hunks
    return [(r.kind, r.why) for r in hunk_risks(path, hunk)]


CASES: list[tuple[str, str, str, str, list[tuple[str, str]]]] = [
    # (name, path, old, new, flags)
    ("plain code", "src/app.py", "a = 1\n", "a = 2\n", []),
    (
        "a test deleted",
        "tests/test_parse.py",
        "def test_parse():\n    assert parse('1') == 1\n",
        "",
        [("tests", "deletes test_parse")],
    ),
    (
        "a test renamed is not deleted",
        "tests/test_p.py",
        "def test_a():\n",
        "def test_a():\n    pass\n",
        [],
    ),
    (
        "a JS test deleted",
        "web/app.test.ts",
        "it('parses', () => {\n});\n",
        "",
        [("tests", "deletes parses")],
    ),
    (
        "a test skipped",
        "tests/test_parse.py",
        "def test_parse():\n",
        "@pytest.mark.skip\ndef test_parse():\n",
        [("skip", "skips a test (@pytest.mark.skip)")],
    ),
    (
        "it.skip",
        "a.spec.js",
        "it('x', f)\n",
        "it.skip('x', f)\n",
        [("skip", "skips a test (it.skip()")],
    ),
    (
        "CI",
        ".github/workflows/ci.yml",
        "run: pytest\n",
        "run: true\n",
        [("controls", "changes CI")],
    ),
    (
        "dependencies",
        "pyproject.toml",
        'deps = ["a"]\n',
        'deps = ["a", "b"]\n',
        [("dependencies", "changes dependencies or packaging (pyproject.toml)")],
    ),
    (
        "requirements",
        "requirements-dev.txt",
        "a\n",
        "a\nb\n",
        [("dependencies", "changes dependencies or packaging (requirements-dev.txt)")],
    ),
    ("a secret file", "deploy/.env.prod", "A=1\n", "A=2\n", [("secret", "a secret-looking file")]),
    (
        "a token added to code",
        "src/app.py",
        "a = 1\n",
        "a = 1\nTOKEN = 'ghp_" + "Zk3xQ9mW2pL7vR4tY8nB6cJ1hF5dG0sA2eKq'\n",
        [("secret", "adds text that holds a GitHub token")],
    ),
    (
        "a changed noqa is not new",
        "src/a.py",
        "import os  # noqa: F401\n",
        "import sys  # noqa: F401\n",
        [],
    ),
    (
        "noqa",
        "src/app.py",
        "import os\n",
        "import os  # noqa: F401\n",
        [("suppression", "adds `# noqa`")],
    ),
    (
        "type: ignore",
        "src/app.py",
        "x = f()\n",
        "x = f()  # type: ignore\n",
        [("suppression", "adds `# type: ignore`")],
    ),
    (
        "eslint",
        "web/a.js",
        "x()\n",
        "// eslint-disable-next-line\nx()\n",
        [("suppression", "adds `eslint-disable`")],
    ),
    (
        "a subprocess call",
        "src/app.py",
        "a = 1\n",
        "a = 1\nsubprocess.run(['ls'])\n",
        [("subprocess", "adds a subprocess or eval call (`subprocess.run`)")],
    ),
    (
        "an existing call edited is not new",
        "src/app.py",
        "subprocess.run(['a'])\n",
        "subprocess.run(['b'])\n",
        [],
    ),
    (
        "a network call",
        "src/app.py",
        "a = 1\n",
        "a = 1\nr = requests.post(URL, data)\n",
        [("network", "adds a network call (`requests.post`)")],
    ),
    (
        "a large deletion",
        "src/big.py",
        "".join(f"line {n}\n" for n in range(60)),
        "",
        [("deletion", "deletes 60 lines")],
    ),
    (
        "a large rewrite is not a deletion",
        "src/big.py",
        "".join(f"a{n}\n" for n in range(60)),
        "".join(f"b{n}\n" for n in range(60)),
        [],
    ),
]


@pytest.mark.parametrize(("name", "path", "old", "new", "flags"), CASES, ids=[c[0] for c in CASES])
def test_risk_flags(name: str, path: str, old: str, new: str, flags: list[tuple[str, str]]) -> None:
    assert risks(path, old, new) == flags


async def test_flags_show_beside_the_hunk_header(tmp_path: Path, isolated_home: Path) -> None:
    from conftest import build_app

    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (repo / "app.py").write_text(PAD)
    subprocess.run(["git", "add", "app.py"], cwd=repo, check=True)
    (repo / "app.py").write_text(PAD + "import os  # noqa\n")
    app = build_app(repo)
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        drawn = "".join(
            seg.text for y in range(app.pane.size.height) for seg in app.pane.render_line(y)
        )
        assert "⚠ adds `# noqa`" in drawn and "hunk 1/1" in drawn
        flags = app.service.view("app.py").risks[app.pane.hunks[0].id]
        assert Risk("suppression", "adds `# noqa`") in flags


def test_flags_in_review_list_json(tmp_path: Path, isolated_home: Path) -> None:
    import json

    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (repo / "app.py").write_text(PAD)
    subprocess.run(["git", "add", "app.py"], cwd=repo, check=True)
    (repo / "app.py").write_text(PAD + "subprocess.run(cmd, shell=True)\n")
    tether = str(Path(sys.executable).with_name("tether"))
    out = subprocess.run(
        [tether, "review", "--list", "--json"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout
    (hunk,) = json.loads(out)["files"][0]["hunks"]
    assert hunk["risks"] == [
        {"kind": "subprocess", "why": "adds a subprocess or eval call (`subprocess.run`)"}
    ]

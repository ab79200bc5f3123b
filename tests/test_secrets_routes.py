"""Secrets by every route (issue 10): the deny-list by name, path and content,
hard links, the baseline snapshot outside git, the journal of stale and
renamed hunks, and content-secret decisions in ordinary files.

Each planted secret is a distinct string; a route leaks if the string
appears anywhere it went (the context sent to a model, Tether's state dir
with its blobs decompressed).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import subprocess
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import decide_all

from app.core.context import ModelRules, build_context
from app.core.locations import state_dir_for
from app.core.secrets import is_secret_path, redact, secret_file, secret_text
from app.review.commands import Reload
from app.review.history import SECRET_HUNK
from app.review.sources import open_review, open_source, open_watch

GIT = ("git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false")
PLANTED = "planted-c0ffee-5ecret-9a8b7c6d5e4f"
GH_TOKEN = "ghp_Zx8Kq2LmN4pR6sT8vW0yA2cE4gI6kM8oQ1uS"  # the shape: ghp_ and 36 characters


def git(repo: Path, *args: str) -> bytes:
    return subprocess.run(
        [*GIT, *args], cwd=repo, capture_output=True, check=True, timeout=30
    ).stdout


def state_texts(root: Path) -> Iterator[tuple[str, str]]:
    """Every file of Tether's state for ``root``, blobs decompressed."""
    state = state_dir_for(root)
    for path in sorted(state.rglob("*")) if state.exists() else ():
        if path.is_file():
            data = path.read_bytes()
            with contextlib.suppress(zlib.error):
                data = zlib.decompress(data)
            yield str(path.relative_to(state)), data.decode("utf-8", "replace")


def assert_state_clean(root: Path, *secrets: str) -> None:
    seen = 0
    for name, text in state_texts(root):
        seen += 1
        for secret in secrets:
            assert secret not in text, f"{secret!r} in the state file {name}"
    assert seen, "no state was written at all (the test proves nothing)"


# -- the deny-list, by name and path ---------------------------------------------------------

# 32 common credential files; the deny-list before issue 10 knew 9 of them.
CREDENTIAL_FILES = [
    ".env",
    "config/.env.production",
    ".aws/credentials",
    ".aws/config",
    ".git-credentials",
    ".pgpass",
    ".htpasswd",
    ".vault-token",
    ".envrc",
    "deploy/prod.env",
    ".env-local",
    ".env_prod",
    "k8s/secret.yaml",
    "config/secrets.yml",
    ".docker/config.json",
    ".kube/config",
    "infra/terraform.tfvars",
    "infra/terraform.tfstate",
    "infra/terraform.tfstate.backup",
    "keys/deploy.ppk",
    "certs/server.pem",
    "certs/server.key",
    ".ssh/id_rsa",
    ".ssh/id_ed25519",
    ".ssh/config",
    "store.p12",
    ".netrc",
    ".npmrc",
    ".pypirc",
    "gcp/credentials.json",
    "gcp/client_secret_1234.apps.googleusercontent.com.json",
    "gcp/my-project-service-account.json",
]
ORDINARY_FILES = [
    "environment.py",
    "keyboard.py",
    "monkey.py",
    "credentials.py",
    "docs/secrets-management.md",
    "README.md",
    "src/env.py",
    "tokens.py",
]


@pytest.mark.parametrize("rel", CREDENTIAL_FILES)
def test_credential_files_are_on_the_deny_list(rel: str) -> None:
    assert is_secret_path(rel)


@pytest.mark.parametrize("rel", ORDINARY_FILES)
def test_ordinary_files_are_not(rel: str) -> None:
    assert not is_secret_path(rel)


# -- by content: keys in files whose names say nothing ----------------------------------------

PEM_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC" + PLANTED
GCP_JSON = json.dumps(
    {
        "type": "service_account",
        "project_id": "demo",
        "private_key_id": "0123456789abcdef",
        "private_key": f"-----BEGIN PRIVATE KEY-----\n{PEM_BODY}\n-----END PRIVATE KEY-----\n",
        "client_email": "x@demo.iam.gserviceaccount.com",
    },
    indent=2,
)
CONTENT_SECRETS = {
    # The escaped "\n" inside JSON once defeated the private-key check.
    "gcp": ("deploy/runner.json", GCP_JSON),
    "pgp": (
        "keys/release.asc",
        f"-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF{PLANTED}\n-----END PGP PRIVATE KEY BLOCK-----\n",
    ),
    "putty": (
        "keys/login.txt",
        f"PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPrivate-Lines: 1\n{PLANTED}\n",
    ),
    "base64-pem": (
        "k8s/tls.yaml",
        "data:\n  tls.key: "
        + base64.b64encode(
            f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n-----END RSA PRIVATE KEY-----\n".encode()
        ).decode()
        + "\n",
    ),
    "aws-fields": (
        "ops/aws.ini",
        f"[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = {PLANTED}\n",
    ),
    "github-token": ("ci/publish.yml", f"token: {GH_TOKEN}  # {PLANTED}\n"),
    "docker-auths": (
        "ops/registry.json",
        '{"auths": {"registry.example.com": {"auth": "' + PLANTED + '"}}}\n',
    ),
    "slack-token": ("bot/settings.py", f"SLACK = 'xoxb-1234567890-{PLANTED}'\n"),
}


@pytest.mark.parametrize("kind", sorted(CONTENT_SECRETS))
def test_a_key_in_any_file_is_never_sent_to_a_model(tmp_path: Path, kind: str) -> None:
    rel, text = CONTENT_SECRETS[kind]
    root = tmp_path / "repo"
    (root / rel).parent.mkdir(parents=True)
    (root / rel).write_text(text)
    (root / "main.py").write_text("print('hello')\n")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    packet = build_context(root, 4, extra_files=[rel, "main.py"])
    sent = packet.render()
    assert "print('hello')" in sent  # the context did go out
    assert PLANTED not in sent and PLANTED not in "\n".join(packet.summary())
    assert rel in dict(packet.excluded), packet.excluded
    text_sent, reason = ModelRules(root).may_read(rel)  # the model's view tool
    assert text_sent is None and reason.startswith("holds"), reason


def test_code_that_mentions_a_key_marker_is_not_a_key() -> None:
    assert secret_text('HEADER = "-----BEGIN RSA PRIVATE KEY-----"\n') == ""
    assert secret_text("API_KEY = 'sk-xxxxxxxxxxxxxxxxxxxxxxxx'  # placeholder\n") == ""


def test_redact_masks_every_known_token_shape() -> None:
    for _rel, text in CONTENT_SECRETS.values():
        for token in ("ghp_", "xoxb-"):
            if token in text:
                assert token not in redact(text)


def test_a_hard_link_to_dotenv_is_withheld(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".env").write_text(f"TOKEN={PLANTED}\n")
    os.link(root / ".env", root / "notes.txt")
    (root / "main.py").write_text("print('hello')\n")
    git(root, "init", "-q")
    git(root, "add", "notes.txt", "main.py")
    git(root, "commit", "-qm", "base")
    assert secret_file(root, "notes.txt").startswith("a hard link")
    for level in (3, 4):
        packet = build_context(root, level, path="notes.txt", extra_files=["notes.txt"])
        assert PLANTED not in packet.render()
    assert ModelRules(root).may_read("notes.txt")[0] is None


# -- watch outside git: the baseline snapshot --------------------------------------------------


def test_watch_outside_git_never_snapshots_a_secret(tmp_path: Path, isolated_home: Path) -> None:
    folder = tmp_path / "plain"
    (folder / "keys").mkdir(parents=True)
    (folder / "main.py").write_text("print('hello')\n")
    (folder / ".env").write_text(f"TOKEN={PLANTED}-env\n")
    (folder / "id_rsa").write_text(f"-----BEGIN OPENSSH PRIVATE KEY-----\n{PLANTED}-rsa\n")
    (folder / "keys" / "server.pem").write_text(f"{PLANTED}-pem\n")
    (folder / "config.py").write_text(f"TOKEN = '{GH_TOKEN}'  # {PLANTED}\n")
    service, git_mode = open_watch(folder)
    assert not git_mode
    assert_state_clean(folder, PLANTED)
    # A file that starts to hold a key is neither listed as changed nor deleted
    # (n on a "deletion" would overwrite it with the baseline).
    (folder / "main.py").write_text(f"TOKEN = 'xoxb-1234567890-{PLANTED}'\n")
    listed = {fr.path for fr in service.session.list_changes() or []}
    assert "main.py" not in listed and "config.py" not in listed
    assert_state_clean(folder, PLANTED)


# -- the journal: stale hunks, renames, keys in ordinary files ---------------------------------


@pytest.fixture
def repo(tmp_path: Path, isolated_home: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    (root / ".env").write_text(f"A=1\nTOKEN={PLANTED}\nB=2\n")
    (root / "settings.py").write_text("DEBUG = False\nNAME = 'demo'\n")
    git(root, "add", "-f", ".env", "settings.py")
    git(root, "commit", "-qm", "base")
    return root


def _patch(repo: Path, text: str) -> Path:
    path = repo.parent / "change.patch"
    path.write_text(text)
    return path


def test_reanchoring_a_stale_dotenv_hunk_journals_nothing_of_it(repo: Path) -> None:
    patch = _patch(
        repo,
        "--- a/.env\n+++ b/.env\n@@ -1,3 +1,3 @@\n A=1\n"
        f"-TOKEN={PLANTED}\n+TOKEN={PLANTED}-rotated\n B=2\n",
    )
    service = open_review(open_source(str(patch), repo))
    assert service.load(service.file(".env")).hunks
    # Someone edits .env so the hunk no longer matches; R re-anchors, the
    # hunk that lost its place is journaled as stale.
    (repo / ".env").write_text(f"A=1\nTOKEN={PLANTED}-edited\nB=2\n")
    service.execute(Reload(".env"))
    journal = service.journal.path.read_text()
    assert '"op":"stale"' in journal and SECRET_HUNK in journal
    assert_state_clean(repo, PLANTED)


def test_renaming_dotenv_journals_nothing_of_its_content(repo: Path) -> None:
    patch = _patch(
        repo,
        "diff --git a/.env b/env.sample\nsimilarity index 60%\nrename from .env\n"
        "rename to env.sample\n--- a/.env\n+++ b/env.sample\n@@ -1,3 +1,3 @@\n A=1\n"
        f"-TOKEN={PLANTED}\n+TOKEN=changeme\n B=2\n",
    )
    service = open_review(open_source(str(patch), repo))
    fr = service.load(service.file("env.sample"))
    assert fr.old_path == ".env" and fr.hunks
    decide_all(service, "accept", fr)
    assert (repo / "env.sample").read_text() == "A=1\nTOKEN=changeme\nB=2\n"
    assert_state_clean(repo, PLANTED)


def test_a_key_added_to_an_ordinary_file_is_not_journaled(repo: Path) -> None:
    (repo / "settings.py").write_text(
        f"DEBUG = False\nNAME = 'demo'\nTOKEN = '{GH_TOKEN}'  # {PLANTED}\n"
    )
    service = open_review(open_source(None, repo))
    decide_all(service, "accept", service.load(service.file("settings.py")))
    entries = service.journal.entries()
    assert entries and entries[-1].hunk == SECRET_HUNK
    assert_state_clean(repo, PLANTED)

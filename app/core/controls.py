"""Files that control tools rather than hold code: Tether's own config, git's
files, CI pipelines and hooks. A change to one runs or redirects something
(a CI job, a hook on the next commit, where Tether sends prompts), so a
model may change them only at level 4, and a change to one is always
flagged in the review, whoever made it.
"""

from __future__ import annotations

import fnmatch

# (pattern on the whole path, what the file controls). Patterns are matched
# case-insensitively against the repository-relative path; "**/" also
# matches at the top.
_CONTROLS: tuple[tuple[str, str], ...] = (
    ("**/.tether.toml", "Tether's config"),
    ("**/.git", "git"),
    ("**/.gitattributes", "git's filters and line endings"),
    ("**/.gitignore", "what git ignores"),
    ("**/.gitmodules", "git submodules"),
    ("**/.git-blame-ignore-revs", "git blame"),
    ("**/.mailmap", "git's author names"),
    (".github/workflows/*", "CI"),
    (".github/actions/*", "CI"),
    (".github/dependabot.y*ml", "dependency updates"),
    (".github/codeowners", "who must review"),
    ("codeowners", "who must review"),
    (".github/settings.y*ml", "GitHub settings"),
    (".gitlab-ci.yml", "CI"),
    (".gitlab/*", "GitLab settings and CI"),
    (".gitea/*", "CI"),
    (".forgejo/*", "CI"),
    (".circleci/*", "CI"),
    (".buildkite/*", "CI"),
    (".woodpecker/*", "CI"),
    (".woodpecker.yml", "CI"),
    (".travis.yml", "CI"),
    (".drone.yml", "CI"),
    ("appveyor.yml", "CI"),
    (".appveyor.yml", "CI"),
    ("azure-pipelines.yml", "CI"),
    (".azure-pipelines/*", "CI"),
    ("bitbucket-pipelines.yml", "CI"),
    ("cloudbuild.yaml", "CI"),
    ("jenkinsfile", "CI"),
    ("**/.pre-commit-config.yaml", "commit hooks"),
    ("**/.pre-commit-hooks.yaml", "commit hooks"),
    (".husky/*", "commit hooks"),
    ("lefthook.yml", "commit hooks"),
    (".lefthook.yml", "commit hooks"),
    (".claude/*", "an AI agent's settings and hooks"),
    (".codex/*", "an AI agent's settings and hooks"),
    (".gemini/*", "an AI agent's settings and hooks"),
    (".envrc", "commands direnv runs"),
    (".vscode/tasks.json", "commands the editor runs"),
)


def controls(rel: str) -> str:
    """What the file at ``rel`` controls ("" when it is ordinary code)."""
    path = rel.replace("\\", "/").strip("/").casefold()
    while path.startswith("./"):
        path = path[2:]
    for pattern, what in _CONTROLS:
        if pattern.startswith("**/"):
            bare = pattern[3:]
            if fnmatch.fnmatchcase(path, bare) or fnmatch.fnmatchcase(path, "*/" + bare):
                return what
            # A file inside such a folder (".git/hooks/x") counts too.
            if any(part == bare for part in path.split("/")[:-1]):
                return what
        elif fnmatch.fnmatchcase(path, pattern):  # "*" spans "/" in fnmatch
            return what
    return ""


def control_flag(rel: str) -> str:
    """The review's flag for a change to ``rel``, or ""."""
    what = controls(rel)
    return f"this file controls {what}: check what the change makes run" if what else ""

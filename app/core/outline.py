"""Outlines of source files: which definitions a file has, and where.

Python is parsed with ``ast`` (exact line spans, decorators included); other
languages, and Python that does not parse, use a line-based heuristic: a
regular expression per kind of definition, then the block's end found by
matching braces or, without braces, by indentation. The heuristic errs on the
side of missing a definition rather than inventing one.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

_PYTHON = (".py", ".pyi", ".pyw")
_SIG_MAX = 200
_SCAN_MAX = 20_000  # lines a brace block may span before we give up
_LINE_MAX = 1_000  # longer lines are not looked at for definitions


@dataclass(frozen=True, slots=True)
class OutlineItem:
    """One definition; ``line``..``end_line`` are 1-based and inclusive."""

    line: int
    end_line: int
    kind: str  # class, function, method, struct, interface, trait, enum, impl, type, module
    name: str
    signature: str
    depth: int = 0  # nesting level, 0 for top-level definitions


def is_python(path: str) -> bool:
    return path.lower().endswith(_PYTHON)


def outline(path: str, text: str) -> list[OutlineItem]:
    """The definitions in ``text`` (the file at ``path``), in source order."""
    if is_python(path):
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass  # a half-written file still gets the heuristic outline
        else:
            items: list[OutlineItem] = []
            _walk_python(tree.body, 0, False, items)
            return items
    return _regex_outline(text)


def enclosing_definition(path: str, text: str, line: int) -> OutlineItem | None:
    """The innermost definition whose span contains ``line``."""
    spanning = [item for item in outline(path, text) if item.line <= line <= item.end_line]
    if not spanning:
        return None
    return max(spanning, key=lambda item: (item.line, -item.end_line))


def format_outline(items: list[OutlineItem]) -> str:
    """One line per definition, indented by nesting: ``L3–9  def f(x)``."""
    return "\n".join(
        f"{'  ' * item.depth}L{item.line}–{item.end_line}  {item.signature}" for item in items
    )


# --- Python, exact -----------------------------------------------------------------------

_Def = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def _walk_python(body: list[ast.stmt], depth: int, in_class: bool, out: list[OutlineItem]) -> None:
    for node in body:
        if isinstance(node, _Def):
            if isinstance(node, ast.ClassDef):
                kind = "class"
            else:
                kind = "method" if in_class else "function"
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            end = node.end_lineno or node.lineno
            out.append(OutlineItem(start, end, kind, node.name, _py_signature(node), depth))
            _walk_python(node.body, depth + 1, isinstance(node, ast.ClassDef), out)
            continue
        # Definitions under ``if TYPE_CHECKING:``, ``try:`` and the like keep their depth.
        for name in ("body", "orelse", "finalbody"):
            nested = getattr(node, name, None)
            if isinstance(nested, list) and nested and isinstance(nested[0], ast.stmt):
                _walk_python(nested, depth, in_class, out)
        for holder in (*getattr(node, "handlers", ()), *getattr(node, "cases", ())):
            _walk_python(holder.body, depth, in_class, out)


def _py_signature(node: _Def) -> str:
    params = getattr(node, "type_params", None)  # Python 3.12+: def f[T](...)
    generic = f"[{', '.join(ast.unparse(p) for p in params)}]" if params else ""
    try:
        if isinstance(node, ast.ClassDef):
            bases = [ast.unparse(b) for b in node.bases]
            bases += [ast.unparse(k) for k in node.keywords]
            sig = f"class {node.name}{generic}" + (f"({', '.join(bases)})" if bases else "")
        else:
            prefix = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
            sig = f"{prefix} {node.name}{generic}({ast.unparse(node.args)})"
            if node.returns is not None:
                sig += f" -> {ast.unparse(node.returns)}"
    except (ValueError, RecursionError):  # pragma: no cover - unparse of a parsed tree
        sig = node.name
    return _clip(sig)


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SIG_MAX else text[: _SIG_MAX - 1] + "…"


# --- Other languages, heuristic ----------------------------------------------------------

_PUB = r"(?:pub(?:\([^)]*\))?\s+)?"
_MODS = (
    r"(?:(?:export|default|public|private|protected|internal|abstract|final|sealed|static"
    r"|open|data|partial|override|suspend|inline|async|unsafe|const|extern(?:\s+\"[^\"]*\")?)\s+)*"
)
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("function", rf"^\s*{_MODS}function\s*\*?\s*(?P<name>[A-Za-z_$][\w$]*)"),  # JS, PHP
        ("function", rf"^\s*{_PUB}{_MODS}fn\s+(?P<name>\w+)"),  # Rust
        ("function", r"^\s*func\s+(?:\([^)]*\)\s*)?(?P<name>\w+)"),  # Go, Swift
        ("function", rf"^\s*{_MODS}fun\s+(?:<[^>]*>\s*)?(?:[\w.]+\.)?(?P<name>\w+)"),  # Kotlin
        ("function", r"^\s*(?:async\s+)?def\s+(?:self\.)?(?P<name>[\w?!=]+)"),  # Python, Ruby
        (
            "function",  # const f = (x) => …, const f = async function …
            r"^\s*(?:export\s+)?(?:const|let|var)\s+(?P<name>[A-Za-z_$][\w$]*)\s*(?::[^=]+)?="
            r"\s*(?:async\s+)?(?:function\b|\([^)]*\)\s*(?::[^=]+)?=>|[A-Za-z_$][\w$]*\s*=>)",
        ),
        ("class", rf"^\s*{_MODS}class\s+(?P<name>\w+)"),
        ("struct", rf"^\s*{_PUB}(?:typedef\s+)?struct\s+(?P<name>\w+)"),
        ("interface", rf"^\s*{_MODS}interface\s+(?P<name>\w+)"),
        ("trait", rf"^\s*{_PUB}{_MODS}trait\s+(?P<name>\w+)"),
        ("enum", rf"^\s*{_PUB}{_MODS}enum\s+(?:class\s+)?(?P<name>\w+)"),
        (
            "impl",
            r"^\s*(?:unsafe\s+)?impl(?:\s*<[^>{]*>)?\s+(?P<name>[\w:]+(?:<[^>{]*>)?"
            r"(?:\s+for\s+[\w:]+(?:<[^>{]*>)?)?)",
        ),
        ("type", r"^\s*(?:export\s+)?type\s+(?P<name>\w+)"),  # Go, TypeScript
        ("module", r"^\s*(?:export\s+)?(?:module|namespace|mod)\s+(?P<name>[\w.:]+)\s*(?:\{|$)"),
    )
]
# C, C++, Java, C#: ``int main(void) {`` — a type, a name, parameters, a brace.
_C_FUNC = re.compile(
    r"^\s*[A-Za-z_][\w:<>,\[\]*&\s]*?[\s*&](?P<name>[A-Za-z_~][\w:~]*)\s*\([^;{}]*\)[^;{}=]*\{\s*$"
)
_NOT_NAMES = frozenset(
    (
        "if",
        "for",
        "while",
        "switch",
        "return",
        "else",
        "catch",
        "new",
        "do",
        "sizeof",
        "await",
        "yield",
        "throw",
        "case",
        "delete",
        "typeof",
        "try",
        "using",
        "lock",
        "foreach",
        "elif",
        "when",
        "match",
        "unless",
    )
)
_COMMENT = ("//", "#", "/*", "*", "--", ";")
_STRINGS = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`|/\*.*?\*/')


def _regex_outline(text: str) -> list[OutlineItem]:
    lines = text.splitlines()
    found: list[tuple[int, int, str, str, str]] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith(_COMMENT) or len(line) > _LINE_MAX:
            continue  # blank, a comment, or minified code and data
        kind, name = _match(line)
        if not kind:
            continue
        if kind == "type":  # Go: ``type Point struct {``
            rest = line.split(name, 1)[-1]
            kind = next((k for k in ("struct", "interface") if re.search(rf"\b{k}\b", rest)), kind)
        end = _block_end(lines, index)
        signature = _clip(stripped.rstrip("{").rstrip().rstrip(":"))
        found.append((index + 1, end, kind, name, signature))
    found.sort(key=lambda f: (f[0], -f[1]))
    items: list[OutlineItem] = []
    stack: list[int] = []  # end lines of the open enclosing definitions
    for line_no, end, kind, name, signature in found:
        while stack and stack[-1] < line_no:
            stack.pop()
        items.append(OutlineItem(line_no, end, kind, name, signature, len(stack)))
        stack.append(end)
    return items


def _match(line: str) -> tuple[str, str]:
    for kind, pattern in _PATTERNS:
        m = pattern.match(line)
        if m:
            return kind, m.group("name")
    m = _C_FUNC.match(line)
    if m and m.group("name") not in _NOT_NAMES and line.split()[0] not in _NOT_NAMES:
        return "function", m.group("name")
    return "", ""


def _code(line: str) -> str:
    """The line without string literals and comments, for counting brackets."""
    line = _STRINGS.sub("", line)
    cut = line.find("//")
    return line if cut < 0 else line[:cut]


def _block_end(lines: list[str], start: int) -> int:
    """The 1-based last line of the definition starting at index ``start``."""
    depth = parens = 0
    opened = False
    for j in range(start, min(len(lines), start + _SCAN_MAX)):
        code = _code(lines[j])
        for ch in code:
            if ch in "([":
                parens += 1
            elif ch in ")]":
                parens -= 1
            elif ch == "{":
                depth, opened = depth + 1, True
            elif ch == "}":
                depth -= 1
                if opened and depth <= 0:
                    return j + 1
            elif ch == ";" and not opened and parens <= 0:
                return j + 1  # a declaration: prototype, alias, forward declaration
        if opened:
            continue
        tail = code.rstrip()
        following = next((s.strip() for s in lines[j + 1 :] if s.strip()), "")
        if not (
            parens > 0
            or following.startswith(("{", "where", "->", "throws"))
            or tail.endswith((",", "(", "->", "=>"))
        ):
            break
    if opened:
        return len(lines)
    return _indent_end(lines, start)


def _indent(line: str) -> int:
    return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())


def _indent_end(lines: list[str], start: int) -> int:
    base = _indent(lines[start])
    last = start
    for j in range(start + 1, len(lines)):
        stripped = lines[j].strip()
        if not stripped:
            continue
        if _indent(lines[j]) <= base:
            if stripped in ("end", "}", ")", "};", "end;", "fi", "done") or stripped.startswith(
                "end "
            ):
                return j + 1
            break
        last = j
    return last + 1


# --- Imports -----------------------------------------------------------------------------


def imports(path: str, text: str, repo_files: set[str]) -> list[str]:
    """Repository files that the Python file ``path`` imports, in source order.

    ``import a.b`` and ``from a.b import c`` resolve to ``a/b.py`` or
    ``a/b/__init__.py`` (``from a.b import c`` prefers the submodule ``a/b/c``)
    under the root, ``src/`` or any folder above ``path`` (nested projects);
    relative imports resolve from the file's package. Other languages: [].
    """
    if not is_python(path):
        return []
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    package = path.split("/")[:-1]
    roots = ["", "src/", *("/".join(package[:i]) + "/" for i in range(1, len(package) + 1))]
    nodes = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    nodes.sort(key=lambda n: (n.lineno, n.col_offset))
    found: list[str] = []

    def find(parts: list[str], bases: list[str]) -> str | None:
        for base in bases:
            stem = "/".join(p for p in (*base.split("/"), *parts) if p)
            for candidate in (f"{stem}.py", f"{stem}.pyi", f"{stem}/__init__.py"):
                if stem and candidate in repo_files:
                    return candidate
        return None

    for node in nodes:
        hits: list[str | None] = []
        if isinstance(node, ast.Import):
            hits = [find(alias.name.split("."), roots) for alias in node.names]
        else:
            if node.level:
                if node.level - 1 > len(package):
                    continue
                bases = ["/".join(package[: len(package) - node.level + 1])]
            else:
                bases = roots
            module = node.module.split(".") if node.module else []
            for alias in node.names:
                sub = find([*module, alias.name], bases) if alias.name != "*" else None
                hits.append(sub or find(module, bases))
        for hit in hits:
            if hit and hit != path and hit not in found:
                found.append(hit)
    return found

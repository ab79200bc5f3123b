"""The demo's recorded session, written as the model's text, and its builder.

``python -m app.samples.demo_session`` rewrites ``demo_session.jsonl`` from
the turns below: each is SEARCH/REPLACE text streamed at ``TOKENS_PER_SECOND``
in four-character tokens, as a local model would send it. Turns without a
prompt answer whatever the user types, in order; the others answer Tether's
own follow-ups (they match as a prefix).

The first turn's first hunk has a ruff error (an undefined base class), so
the demo's checks put ✗ on it while the reply still streams; `r` on it sends
ruff's message back and ``FIX_BASE`` answers with the hunk that passes.

The walkthrough must work whichever way its steps are taken: the first
turn's report.py edit (the out-of-leash one) touches only the module's
docstring, so whether it is accepted, rejected or left pending, the later
turns' SEARCH texts (the report's body) still match.
"""

from __future__ import annotations

import json
from pathlib import Path

TOKENS_PER_SECOND = 60
RECORDING = Path(__file__).with_name("demo_session.jsonl")

FIRST = '''I'll make `remove` refuse to take more than is in stock, with its own
exception, and make `count` return 0 for unknown items.

inventory/stock.py
```python
<<<<<<< SEARCH
class Stock:
    def __init__(self):
=======
class OutOfStock(StockError):
    """Raised when more items are removed than are in stock."""


class Stock:
    def __init__(self):
>>>>>>> REPLACE
```

inventory/stock.py
```python
<<<<<<< SEARCH
    def remove(self, name, count):
        self.items[name] = self.items[name] - count
=======
    def remove(self, name, count):
        have = self.items.get(name, 0)
        if count > have:
            raise OutOfStock(f"cannot remove {count} {name}: only {have} in stock")
        self.items[name] = have - count
>>>>>>> REPLACE
```

inventory/stock.py
```python
<<<<<<< SEARCH
    def count(self, name):
        return self.items.get(name)
=======
    def count(self, name):
        return self.items.get(name, 0)
>>>>>>> REPLACE
```

The report should say so too:

inventory/report.py
```python
<<<<<<< SEARCH
"""Plain-text stock reports."""
=======
"""Plain-text stock reports (items out of stock are not listed)."""
>>>>>>> REPLACE
```
'''

RETRY = '''Sorry, the SEARCH text was wrong. Here is the corrected edit:

inventory/stock.py
```python
<<<<<<< SEARCH
    def count(self, name):
        return self.items[name]
=======
    def count(self, name):
        return self.items.get(name, 0)
>>>>>>> REPLACE
```
'''

REGENERATE = '''Understood. Here is `remove` again, documented:

inventory/stock.py
```python
<<<<<<< SEARCH
    def remove(self, name, count):
        self.items[name] = self.items[name] - count
=======
    def remove(self, name, count):
        """Take `count` of `name` out of stock; never below zero."""
        have = self.items.get(name, 0)
        if count > have:
            raise OutOfStock(f"{name}: asked for {count}, only {have} left")
        self.items[name] = have - count
>>>>>>> REPLACE
```
'''

# The answer to `r` on the ✗ hunk above (ruff: F821 Undefined name `StockError`).
FIX_BASE = '''Right: `StockError` is defined nowhere. `OutOfStock` is a `ValueError`:

inventory/stock.py
```python
<<<<<<< SEARCH
class Stock:
    def __init__(self):
=======
class OutOfStock(ValueError):
    """Raised when more items are removed than are in stock."""


class Stock:
    def __init__(self):
>>>>>>> REPLACE
```
'''

# The reject prompt of that hunk (a pure insertion before line 4: "lines 4–4");
# the longer recorded prompt is the more specific match, so the generic
# "The user rejected" turn answers any other reject.
FIX_BASE_PROMPT = "The user rejected your change to inventory/stock.py (lines 4–4)"

BIG = '''I'll rewrite the report so the columns line up:

inventory/report.py
```python
<<<<<<< SEARCH
def render_report(stock):
    lines = []
    lines.append("Stock report")
    lines.append("============")
    for name in stock.names():
        lines.append(name + ": " + str(stock.count(name)))
    lines.append("total: " + str(stock.total()))
    return "\\n".join(lines)
=======
def render_report(stock, *, title="Stock report"):
    lines = [title, "=" * len(title)]
    width = max((len(name) for name in stock.names()), default=0)
    for name in stock.names():
        lines.append(f"{name:<{width}}  {stock.count(name):>5}")
    lines.append(f"{'total':<{width}}  {stock.total():>5}")
    return "\\n".join(lines)
>>>>>>> REPLACE
```
'''

PLAN = '''Plan, one small step each:
1. Compute the width of the longest item name.
2. Align each item line to that width.
3. Align the total line the same way.
'''

STEP_1 = '''Step 1:

inventory/report.py
```python
<<<<<<< SEARCH
    lines.append("============")
    for name in stock.names():
=======
    lines.append("============")
    width = max((len(name) for name in stock.names()), default=0)
    for name in stock.names():
>>>>>>> REPLACE
```
'''

STEP_2 = '''Step 2:

inventory/report.py
```python
<<<<<<< SEARCH
        lines.append(name + ": " + str(stock.count(name)))
=======
        lines.append(f"{name:<{width}}  {stock.count(name):>5}")
>>>>>>> REPLACE
```
'''

STEP_3 = '''Step 3:

inventory/report.py
```python
<<<<<<< SEARCH
    lines.append("total: " + str(stock.total()))
=======
    lines.append(f"{'total':<{width}}  {stock.total():>5}")
>>>>>>> REPLACE
```
'''

# (prompt prefix or "" for any prompt, text)
TURNS: list[tuple[str, str]] = [
    ("", FIRST),
    ("Some of your edits could not be applied", RETRY),
    ("The user rejected", REGENERATE),
    ("", BIG),
    ("Do not edit yet", PLAN),
    ("Carry out step", STEP_1),
    ("Carry out step", STEP_2),
    ("Carry out step", STEP_3),
    (FIX_BASE_PROMPT, FIX_BASE),  # last: the turns' numbers above stay as they were
]


def build() -> list[dict[str, object]]:
    lines: list[dict[str, object]] = [
        {"format": "tether-recording", "version": 1, "provider": "replay", "model": "demo-model"}
    ]
    for number, (prompt, text) in enumerate(TURNS):
        lines.append({"turn": number, "prompt": prompt, "parse": "search_replace"})
        tokens = [text[i : i + 4] for i in range(0, len(text), 4)]
        for k, token in enumerate(tokens):
            lines.append({"t": round(k / TOKENS_PER_SECOND, 3), "type": "text", "text": token})
        end = round(len(tokens) / TOKENS_PER_SECOND, 3)
        lines.append({"t": end, "type": "usage", "input_tokens": 900 + 150 * number, "output_tokens": len(tokens)})
        lines.append({"t": end, "type": "finished", "stop_reason": "end_turn"})
    return lines


def main() -> None:
    RECORDING.write_text("".join(json.dumps(line) + "\n" for line in build()), encoding="utf-8")
    print(f"wrote {RECORDING}")


if __name__ == "__main__":
    main()

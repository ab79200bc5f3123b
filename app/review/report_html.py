"""The report as one self-contained HTML page: inline CSS and SVG charts.

No script, no font, no image, no URL: the page shows the same offline, in a
mail attachment or years later. Every text from the journal (file names,
reasons, check messages) is escaped; the journal's extras were redacted when
written, so no secret reaches the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from app.review.metrics import Metrics
from app.review.report import Report

ACCEPT, REJECT, BAR, INK, MUTED = "#2e9d5b", "#d0473f", "#4a78c2", "#1d2330", "#6b7280"

CSS = """
body { font: 14px/1.45 system-ui, sans-serif; color: #1d2330; margin: 2em auto; max-width: 980px; }
h1 { font-size: 1.5em; margin-bottom: .2em; } h2 { font-size: 1.15em; margin-top: 1.8em; }
.muted { color: #6b7280; } .warn { color: #b45309; font-weight: 600; }
table { border-collapse: collapse; margin: .5em 0; } td, th { padding: 2px 10px; text-align: left; }
th { border-bottom: 1px solid #ccc; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { border: 1px solid #ddd; border-radius: 8px; padding: 8px 14px; min-width: 120px; }
.card b { display: block; font-size: 1.4em; }
svg text { font: 12px system-ui, sans-serif; fill: #1d2330; }
"""


def _fmt(value: float | None, spec: str = ".0f", none: str = "–") -> str:
    return none if value is None else format(value, spec)


def hbars(rows: Sequence[tuple[str, int, int]], *, width: int = 900) -> str:
    """Horizontal stacked bars: (label, accepted, rejected) per row."""
    if not rows:
        return '<p class="muted">No decisions.</p>'
    label_w, bar_h, gap = 280, 18, 6
    top = max(a + r for _, a, r in rows) or 1
    scale = (width - label_w - 60) / top
    height = len(rows) * (bar_h + gap) + 24
    out = [f'<svg role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}">']
    for i, (label, accepted, rejected) in enumerate(rows):
        y = i * (bar_h + gap)
        short = label if len(label) <= 40 else "…" + label[-39:]
        out.append(f'<text x="{label_w - 8}" y="{y + 13}" text-anchor="end">{escape(short)}</text>')
        wa, wr = accepted * scale, rejected * scale
        out.append(
            f'<rect x="{label_w}" y="{y}" width="{wa:.1f}" height="{bar_h}" fill="{ACCEPT}"><title>{accepted} accepted</title></rect>'
        )
        out.append(
            f'<rect x="{label_w + wa:.1f}" y="{y}" width="{wr:.1f}" height="{bar_h}" fill="{REJECT}"><title>{rejected} rejected</title></rect>'
        )
        out.append(
            f'<text x="{label_w + wa + wr + 6:.1f}" y="{y + 13}">{accepted} / {rejected}</text>'
        )
    y = len(rows) * (bar_h + gap) + 14
    out.append(
        f'<rect x="{label_w}" y="{y - 10}" width="12" height="12" fill="{ACCEPT}"/><text x="{label_w + 16}" y="{y}">accepted</text>'
    )
    out.append(
        f'<rect x="{label_w + 90}" y="{y - 10}" width="12" height="12" fill="{REJECT}"/><text x="{label_w + 106}" y="{y}">rejected</text>'
    )
    out.append("</svg>")
    return "".join(out)


def vbars(
    rows: Sequence[tuple[str, int]], *, width: int = 900, height: int = 220, color: str = BAR
) -> str:
    """Vertical bars: (label, count) per bucket."""
    if not rows or not any(n for _, n in rows):
        return '<p class="muted">Nothing to chart.</p>'
    top = max(n for _, n in rows) or 1
    plot_h, base = height - 50, height - 30
    step = (width - 40) / len(rows)
    bar_w = step * 0.7
    out = [f'<svg role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}">']
    out.append(f'<line x1="20" y1="{base}" x2="{width - 20}" y2="{base}" stroke="{MUTED}"/>')
    for i, (label, count) in enumerate(rows):
        h = count / top * plot_h
        x = 20 + i * step + (step - bar_w) / 2
        out.append(
            f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{color}"><title>{count}</title></rect>'
        )
        out.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{base - h - 4:.1f}" text-anchor="middle">{count}</text>'
        )
        out.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{base + 16}" text-anchor="middle">{escape(label)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _group_table(table: dict[str, Metrics]) -> str:
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td class=n>{m.decisions}</td><td class=n>{m.accepted}</td>"
        f"<td class=n>{m.rejected}</td><td class=n>{_fmt(m.accept_rate, '.0%')}</td>"
        f"<td class=n>{m.lines}</td><td class=n>{_fmt(m.seconds_per_decision)}</td></tr>"
        for name, m in table.items()
    )
    return (
        "<table><tr><th></th><th>decisions</th><th>accepted</th><th>rejected</th>"
        f"<th>accept rate</th><th>lines</th><th>s/decision</th></tr>{rows}</table>"
    )


def render(report: Report, *, title: str = "Tether review report") -> str:
    t = report.totals
    cards = [
        ("decisions", str(t.decisions)),
        ("accept rate", _fmt(t.accept_rate, ".0%")),
        ("seconds per decision", _fmt(t.seconds_per_decision)),
        ("lines kept / min", _fmt(t.kept_per_minute)),
        ("lines / hour", _fmt(t.lines_per_hour, ",.0f")),
        ("auto-accepted", str(t.auto)),
        ("undone", str(t.undone)),
    ]
    period = (
        f"{escape(report.first[:19])} – {escape(report.last[:19])}"
        if report.first
        else "no decisions"
    )
    if report.since:
        period += f" (since {escape(report.since[:19])})"
    files = sorted(report.groups["file"].items(), key=lambda kv: (-kv[1].decisions, kv[0]))[:20]
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1><p class=muted>{period}</p>",
        '<div class="cards">'
        + "".join(f'<div class="card">{escape(k)}<b>{escape(v)}</b></div>' for k, v in cards)
        + "</div>",
    ]
    if t.warning:
        parts.append(
            f'<p class="warn">{escape(t.warning)} Past about 1,000 lines an hour a reviewer '
            "is not really looking (SmartBear/Cisco, 2,500 reviews).</p>"
        )
    parts += [
        "<h2>Decisions per file</h2>",
        hbars([(name, m.accepted, m.rejected) for name, m in files]),
        "<h2>Decisions over time (per hour)</h2>",
        vbars([(h[11:16] or h, a + r) for h, a, r in report.timeline]),
        "<h2>Time per decision</h2>",
        vbars(report.gaps, color="#7c5cc4"),
        "<h2>Decided hunk sizes (changed lines) against the leash</h2>",
        vbars(report.sizes, color="#c28a2c"),
        "<p class=muted>Leash per level: "
        + " · ".join(f"{escape(k)} {v}" for k, v in report.leash.items())
        + " changed lines per proposal.</p>",
    ]
    for name in ("source", "provider", "seat"):
        parts += [f"<h2>Per {name}</h2>", _group_table(report.groups[name])]
    parts.append("<h2>Reject reasons</h2>")
    if report.reasons:
        parts.append(
            "<table><tr><th>reason</th><th>times</th></tr>"
            + "".join(
                f"<tr><td>{escape(r)}</td><td class=n>{n}</td></tr>" for r, n in report.reasons
            )
            + "</table>"
        )
    else:
        parts.append('<p class="muted">No reasons given.</p>')
    parts.append("<h2>Checks that failed</h2>")
    if report.failed_checks:
        parts.append(
            "<table><tr><th>#</th><th>file</th><th>decision</th><th>message</th></tr>"
            + "".join(
                f"<tr><td class=n>{f.seq}</td><td>{escape(f.path)}</td><td>{escape(f.op)}</td>"
                f"<td>{escape(f.message)}</td></tr>"
                for f in report.failed_checks
            )
            + "</table>"
        )
    else:
        parts.append('<p class="muted">No decided hunk had a failing check.</p>')
    parts.append("</body></html>\n")
    return "".join(parts)

"""Plain-text stock reports."""


def render_report(stock):
    lines = []
    lines.append("Stock report")
    lines.append("============")
    for name in stock.names():
        lines.append(name + ": " + str(stock.count(name)))
    lines.append("total: " + str(stock.total()))
    return "\n".join(lines)

"""A tiny stock-keeping library."""

from inventory.stock import Stock
from inventory.report import render_report

__all__ = ["Stock", "render_report"]

"""Tether's benchmarks: ``python -m bench`` (``make bench``); see docs/performance.md.

Nothing here is imported by Tether itself, and nothing runs at import time.
"""

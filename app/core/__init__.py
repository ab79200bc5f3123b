"""Tether's UI-free core.

Nothing under ``app.core`` may import Textual or Rich: the CLI, scripts and
agents use it headless, and ``tests/test_core_is_ui_free.py`` checks it.
"""

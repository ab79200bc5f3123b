"""Bundled sample project and change for `tether demo`."""

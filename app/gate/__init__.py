"""The review gate for agents: their hook inputs read as proposals, and the
human's per-hunk decisions written back in each agent's own output format."""

"""Rough per-token prices for the status line's cost estimate.

Dollars per million tokens (input, output), matched by model-name prefix.
An estimate only: unknown models show no cost, local and replayed ones cost 0.
"""

from __future__ import annotations

PRICES: list[tuple[str, float, float]] = [
    ("claude-opus", 15.0, 75.0),
    ("claude-sonnet", 3.0, 15.0),
    ("claude-haiku", 0.8, 4.0),
    ("gpt-4.1-mini", 0.4, 1.6),
    ("gpt-4.1", 2.0, 8.0),
    ("gpt-4o-mini", 0.15, 0.6),
    ("gpt-4o", 2.5, 10.0),
    ("gpt-5-mini", 0.25, 2.0),
    ("gpt-5", 1.25, 10.0),
    ("o4-mini", 1.1, 4.4),
]

FREE_PROVIDERS = {"replay", "ollama", "llama.cpp", "vllm", "lmstudio"}


def estimate_cost(provider: str, model: str, input_tokens: int, output_tokens: int) -> float | None:
    """Estimated dollars, or None when the model's price is unknown."""
    if provider in FREE_PROVIDERS:
        return 0.0
    for prefix, price_in, price_out in PRICES:
        if model.startswith(prefix):
            return (input_tokens * price_in + output_tokens * price_out) / 1_000_000
    return None

"""Model providers: each turns a request into a stream of provider-neutral events.

``base`` (requests, events, errors), ``openai_compat`` (Chat Completions,
SEARCH/REPLACE in text), ``openai_responses`` (Responses API, ``apply_patch``),
``anthropic_provider`` (Messages API, text editor tool), ``replay`` (recorded
sessions, offline), ``recording`` (the recording format), ``fallback``,
``factory``. Importing this package imports no SDK.
"""

"""The generation loop without a UI: the controller (prompts, slider, leash,
plans, retries), one generation's stream of edits, the prompts it sends."""

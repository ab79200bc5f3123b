"""The review service: one review, driven by hunk id, emitting events.

``ReviewService`` (service.py) is what front ends talk to; ``ReviewSession``
(session.py) is the engine under it; ``History`` (history.py) journals and
writes; ``sources.py`` makes sessions for what the user names.
"""

"""A provider that hands over to a second one when the first is down.

The fallback takes over only while nothing is lost: when the first provider
fails (a :class:`ProviderError` before its stream starts, or a
:class:`StreamFailed`) before it produced any edit. Its text so far is then
void: a :class:`FallbackUsed` event says so, and the second provider's
events follow. Once an edit has arrived, a failure is reported as is.
Follow-up turns stay with the provider whose conversation they continue.
"""

from __future__ import annotations

from collections.abc import Iterator

from app.providers.base import (
    EditFailed,
    EditReady,
    Event,
    FallbackUsed,
    GenerationRequest,
    Provider,
    ProviderError,
    StreamFailed,
    ViewRequested,
)


class FallbackProvider:
    def __init__(self, primary: Provider, secondary: Provider) -> None:
        self.primary = primary
        self.secondary = secondary
        self.active: Provider = primary

    @property
    def name(self) -> str:
        return self.active.name

    @property
    def model(self) -> str:
        return self.active.model

    def cancel(self) -> None:
        self.active.cancel()

    def _owner(self, request: GenerationRequest) -> Provider | None:
        if request.follow_up is None:
            return None
        kind = request.follow_up.transcript.kind
        for provider in (self.primary, self.secondary):
            if getattr(provider, "kind", None) == kind:
                return provider
        return None

    def stream(self, request: GenerationRequest) -> Iterator[Event]:
        owner = self._owner(request)
        if owner is not None:
            self.active = owner
            yield from owner.stream(request)
            return
        self.active = self.primary
        produced = False
        reason = ""
        try:
            for event in self.primary.stream(request):
                if isinstance(event, StreamFailed) and not produced:
                    reason = event.message
                    break
                produced = produced or isinstance(event, EditReady | EditFailed | ViewRequested)
                yield event
            else:
                return
        except ProviderError as error:
            if produced:
                raise
            reason = str(error)
        self.active = self.secondary
        yield FallbackUsed(self.primary.name, self.secondary.name, self.secondary.model, reason)
        yield from self.secondary.stream(request)

"""Which stored topic names which event class: an allow-list, so loading never imports code.

A stored row names its event class by a topic string. The library would import whatever module
a topic names; a store is untrusted data, so here a topic is only looked up. New rows are
written under `core.domain.events:NAME`, the catalogue's public module; `core.events:NAME` is
what release 0.1.0 wrote before the domain moved into `core.domain`, and stays readable forever.
"""

from __future__ import annotations

from core import EVENT_TYPES, PlanEvent

CATALOGUE_MODULE = "core.domain.events"
"""The module under whose name new rows are stored (whatever file defines the class)."""

LEGACY_MODULES = ("core.events",)
"""Where earlier releases said their event classes lived; each still names the same class."""


class UnknownTopicError(LookupError):
    """A stored row names an event class that is not in the allow-list."""

    def __init__(self, topic: str) -> None:
        super().__init__(f"unknown event topic {topic!r}: no such event class")
        self.topic = topic


class EventTopics:
    """Topic <-> event class, for the catalogue and any class registered beside it."""

    def __init__(self) -> None:
        self._classes: dict[str, type[PlanEvent]] = {}
        self._topics: dict[type[PlanEvent], str] = {}

    def register(self, event_class: type[PlanEvent], topic: str, *aliases: str) -> None:
        """Store `event_class` under `topic`; read it back from `topic` or any alias."""
        self._topics[event_class] = topic
        for name in (topic, *aliases):
            self._classes[name] = event_class

    def topic_of(self, event_class: type[PlanEvent]) -> str:
        """The topic a new row of this class is stored under."""
        try:
            return self._topics[event_class]
        except KeyError:
            raise UnknownTopicError(event_class.__qualname__) from None

    def class_of(self, topic: str) -> type[PlanEvent]:
        """The class a stored topic names; `UnknownTopicError` if none is allowed."""
        try:
            return self._classes[topic]
        except KeyError:
            raise UnknownTopicError(topic) from None


def catalogue_topics() -> EventTopics:
    """The allow-list of every event class core defines, with their legacy topics.

    Each store's mapper holds its own (a test may register an event class of its own there).
    """
    topics = EventTopics()
    for event_class in EVENT_TYPES:
        name = event_class.__qualname__
        legacy = (f"{module}:{name}" for module in LEGACY_MODULES)
        topics.register(event_class, f"{CATALOGUE_MODULE}:{name}", *legacy)
    return topics

"""The contract between the simulation and its features (vMotion, HA, FT, and the next ones).

A feature is one module with one class that follows :class:`Feature`. The simulation makes
one instance per run (when :meth:`Feature.wanted` says the cluster needs it), hands it the
:class:`Engine` it may use, and from then on:

- tells it every logged :class:`vmlab.events.Event` (its ``kind`` is a
  :class:`vmlab.EventKind`), in the order they were logged, after the action that logged
  them has finished; a feature reacts to the kinds it registered handlers for;
- asks it, when a host stops, which VMs on that host it keeps alive (:meth:`Feature.claim`:
  FT's primaries whose secondary takes over are not stopped);
- asks it, when a host enters maintenance mode, to move its copies off that host
  (:meth:`Feature.evacuate`: vMotion moves the VMs, FT its secondaries) and waits for them.

A feature never calls another feature: when HA must react to a failed switchover or FT to
maintenance mode, it does so through these events and hooks. Adding a feature (Proactive
HA, Storage vMotion …) is a new module with a class like this and one line in
:data:`vmlab.sim.FEATURES`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from vmlab.events import Event, EventKind
from vmlab.i18n import N_, _

if TYPE_CHECKING:
    import numpy as np
    import simpy

    from vmlab.cluster import Cluster
    from vmlab.placement import Placement
    from vmlab.state import RunState

__all__ = [
    "HOST_STATE_WORDS", "VM_STATE_WORDS", "Engine", "Feature", "FeatureBase",
    "host_state_words", "in_both_languages", "join_reasons", "vm_state_words",
]  # fmt: skip

VM_STATE_WORDS = {
    # TRANSLATORS: the state a VM is in, in sentences such as "it was down, not running"
    "running": N_("running"),
    "stunned": N_("stunned"),
    "down": N_("down"),
    "booting": N_("booting"),
    "migrating": N_("migrating"),
    "secondary": N_("secondary"),
    "off": N_("off"),
}
"""A VM's state (:data:`vmlab.sim.VM_STATES`) as a word in the features' sentences; the
state itself (``timeline.states.state``) stays the English word in both languages."""


def vm_state_words(state: str) -> str:
    """``'down'`` in the current language (a state with no word is said as it is)."""
    word = VM_STATE_WORDS.get(state)
    return _(word) if word else state


HOST_STATE_WORDS = {
    # TRANSLATORS: the state a host is in, in sentences such as "it is isolated: no action"
    "up": N_("up"),
    "down": N_("down"),
    "maintenance": N_("maintenance"),
    "isolated": N_("isolated"),
}


def host_state_words(state: str) -> str:
    """``'isolated'`` in the current language (a state with no word is said as it is)."""
    word = HOST_STATE_WORDS.get(state)
    return _(word) if word else state


def join_reasons(reasons: list[str]) -> str:
    """Reasons one after the other, in one sentence (``'a; b'``)."""
    # TRANSLATORS: the separator between two reasons in one sentence
    return _("; ").join(reasons)


def in_both_languages(compute: Callable[[], list[str]]) -> list[tuple[str, str]]:
    """``compute()``'s sentences as ``(english, current language)`` pairs.

    For code that must tell reasons apart by what they say (a CPU problem, a datastore
    problem) while showing them in the student's language: the English twin is computed with
    the language switched to English for a moment. ``compute`` must not change anything.
    """
    from vmlab import i18n

    said = compute()
    lang = i18n.language()
    if lang == "en":
        return [(text, text) for text in said]
    i18n.use_language("en")
    try:
        english = compute()
    finally:
        i18n.use_language(lang)
    return list(zip(english, said, strict=True))


class Engine(Protocol):
    """What the simulation offers its features (and nothing else)."""

    env: simpy.Environment
    rng: np.random.Generator
    spec: Cluster
    state: RunState
    features: dict[str, Feature]
    partition_sides: tuple[frozenset[str], frozenset[str]] | None

    @property
    def now(self) -> float: ...

    def log(self, kind: EventKind, *, host: str = "", vm: str = "", detail: str = "") -> None: ...

    def set_vm_state(
        self,
        vm: str,
        state: str,
        *,
        host: str | None = None,
        cause: str = "",
        copy: str = "primary",
    ) -> None: ...

    def end_copy(self, vm: str, copy: str) -> None: ...

    def set_host_state(self, host: str, state: str) -> None: ...

    def cancel_pending(self, vm: str) -> None: ...

    def boot_vm(self, vm: str, host: str, *, cause: str = "") -> simpy.Process: ...

    def place(self, vm: str, purpose: str, **options: Any) -> Placement: ...

    def process(self, generator: Generator[Any, Any, Any]) -> simpy.Process: ...

    def evacuate(self, host: str) -> list[simpy.Process]: ...

    def maintenance(self, host: str, *, requested: str, done: str, blocked: str) -> None: ...


class Feature(Protocol):
    """One feature of the cluster, as the simulation sees it."""

    name: ClassVar[str]

    @classmethod
    def wanted(cls, spec: Cluster) -> bool: ...

    def handle(self, event: Event) -> None: ...

    def claim(self, host: str) -> set[str]: ...

    def evacuate(self, host: str) -> list[simpy.Process]: ...


class FeatureBase:
    """Defaults for :class:`Feature`: react to nothing, claim nothing, move nothing.

    Subclasses register a method per event kind with :meth:`on`."""

    name: ClassVar[str] = ""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.handlers: dict[EventKind, list[Callable[[Event], None]]] = {}

    @classmethod
    def wanted(cls, spec: Cluster) -> bool:
        return True

    def on(self, kinds: frozenset[EventKind] | EventKind, handler: Callable[[Event], None]) -> None:
        """Call ``handler(event)`` for each event of ``kinds`` (one kind or a set)."""
        for kind in {kinds} if isinstance(kinds, EventKind) else kinds:
            self.handlers.setdefault(kind, []).append(handler)

    def handle(self, event: Event) -> None:
        for handler in self.handlers.get(event.kind, ()):
            handler(event)

    def claim(self, host: str) -> set[str]:
        return set()

    def evacuate(self, host: str) -> list[simpy.Process]:
        return []

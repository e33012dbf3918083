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

if TYPE_CHECKING:
    import numpy as np
    import simpy

    from vmlab.cluster import Cluster
    from vmlab.placement import Placement
    from vmlab.state import RunState

__all__ = ["Engine", "Feature", "FeatureBase"]


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

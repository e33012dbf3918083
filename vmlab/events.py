"""The engine's vocabulary: every kind of event a run can log, and the event itself.

An event kind is a :class:`EventKind` member whose value is the snake_case word a student
reads in ``timeline.events["kind"]`` (``"host_failed"``, ``"restart_issued"`` …); members
compare equal to those strings, so ``timeline.events.kind == "host_failed"`` works.

The kinds are also the contract between the simulation and its features (vMotion, HA, FT):
a feature names the kinds it reacts to, and the simulation hands it each such
:class:`Event` as it is logged (see :mod:`vmlab.features`).

>>> EventKind.HOST_FAILED == "host_failed"
True
>>> EventKind("vmotion_completed").name
'VMOTION_COMPLETED'
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["HOST_BACK", "HOST_GONE", "Event", "EventKind"]


class EventKind(StrEnum):
    """Every kind of event the engine logs, grouped by who logs it."""

    # hosts and guests (the simulation's own actions)
    HOST_FAILED = "host_failed"
    HOST_REPAIRED = "host_repaired"
    HOST_POWERED_OFF = "host_powered_off"
    HOST_POWERED_ON = "host_powered_on"
    MANAGEMENT_NETWORK_LOST = "management_network_lost"
    PARTITION = "partition"
    PARTITION_HEALED = "partition_healed"
    GUEST_HUNG = "guest_hung"
    GUEST_HANG_SKIPPED = "guest_hang_skipped"
    VM_DOWN = "vm_down"
    VM_BOOTING = "vm_booting"
    VM_RUNNING = "vm_running"
    ACTION = "action"
    # vMotion and maintenance mode
    VMOTION_STARTED = "vmotion_started"
    VMOTION_REFUSED = "vmotion_refused"
    VMOTION_ABORTED = "vmotion_aborted"
    VMOTION_FAILED = "vmotion_failed"
    VMOTION_COMPLETED = "vmotion_completed"
    VM_STUNNED = "vm_stunned"
    NETWORK_ANNOUNCED = "network_announced"
    MAINTENANCE_REQUESTED = "maintenance_requested"
    MAINTENANCE_BLOCKED = "maintenance_blocked"
    HOST_IN_MAINTENANCE = "host_in_maintenance"
    MAINTENANCE_EXITED = "maintenance_exited"
    MAINTENANCE_NOT_ENTERED = "maintenance_not_entered"
    # vSphere HA
    HEARTBEAT_MISSED = "heartbeat_missed"
    ELECTION = "election"
    HOST_DECLARED_FAILED = "host_declared_failed"
    HOST_UNREACHABLE = "host_unreachable"
    HOST_ISOLATED = "host_isolated"
    ISOLATION_RESPONSE = "isolation_response"
    RESTART_ISSUED = "restart_issued"
    RESTART_FAILED = "restart_failed"
    RESTART_GAVE_UP = "restart_gave_up"
    VM_RESET = "vm_reset"
    VM_RESET_SKIPPED = "vm_reset_skipped"
    # vSphere FT
    FT_FAILOVER = "ft_failover"
    FT_UNPROTECTED = "ft_unprotected"
    FT_SECONDARY_STARTING = "ft_secondary_starting"
    FT_SECONDARY_CREATED = "ft_secondary_created"
    FT_SECONDARY_FAILED = "ft_secondary_failed"
    FT_SECONDARY_LOST = "ft_secondary_lost"
    FT_SECONDARY_MOVED = "ft_secondary_moved"
    FT_NO_SECONDARY = "ft_no_secondary"
    FT_RESTART = "ft_restart"
    FT_RESTART_WAITING = "ft_restart_waiting"
    FT_LOGGING_CUT = "ft_logging_cut"
    FT_TEST_AND_SET = "ft_test_and_set"
    # storage faults and VM Component Protection (vmlab.storage), Proactive HA (vmlab.proactive)
    DATASTORE_APD = "datastore_apd"
    DATASTORE_PDL = "datastore_pdl"
    APD_TIMEOUT = "apd_timeout"
    DATASTORE_RECOVERED = "datastore_recovered"
    VMCP_WARNING = "vmcp_warning"
    VMCP_TERMINATED = "vmcp_terminated"
    VMCP_CANCELLED = "vmcp_cancelled"
    VMCP_NOT_TERMINATED = "vmcp_not_terminated"
    HOST_DEGRADED = "host_degraded"
    HOST_QUARANTINED = "host_quarantined"
    PROACTIVE_HA_RECOMMENDATION = "proactive_ha_recommendation"


HOST_BACK = frozenset(
    {EventKind.HOST_REPAIRED, EventKind.HOST_POWERED_ON, EventKind.MAINTENANCE_EXITED}
)
"""A host rejoined the pool, whichever way: repaired, powered on, or out of maintenance.
Features that wait for room (HA restarts, FT secondaries) try again on each of these."""

HOST_GONE = frozenset(
    {EventKind.HOST_FAILED, EventKind.HOST_POWERED_OFF, EventKind.MANAGEMENT_NETWORK_LOST}
)
"""A host stopped being usable for new work: failed, powered off, or cut off."""


@dataclass(frozen=True, slots=True)
class Event:
    """One logged event: when, what kind, which host and VM (``""`` when none), and a
    sentence of detail."""

    t_s: float
    kind: EventKind
    host: str = ""
    vm: str = ""
    detail: str = ""

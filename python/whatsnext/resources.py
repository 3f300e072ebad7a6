"""What a worker can still take on: free CPUs, free accelerators (by device
id, so each job gets devices no other running job has) and free slots. The
worker asks FetchJob only for what is free here, and a claimed job runs only
once its share is reserved. The same accounting as the TypeScript worker's."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import List, Optional, Sequence

__all__ = ["Allocation", "FreeResources", "ResourcePool"]


@dataclass(frozen=True)
class Allocation:
    """A running job's share of the worker."""

    cpu: int
    #: Device ids reserved for the job (e.g. ["0", "2"]); empty when none or not tracked.
    accelerators: List[str] = field(default_factory=list)


@dataclass(frozen=True)
class FreeResources:
    """What is free now; None means "not tracked", which FetchJob reads as "do not filter"."""

    cpu: Optional[int]
    accelerators: Optional[int]
    #: How many more jobs may start.
    slots: int


class ResourcePool:
    """CPU, accelerator and slot accounting; CPUs and accelerators only when declared. Thread-safe."""

    def __init__(self, cpus: Optional[int], accelerator_ids: Optional[Sequence[str]], slots: int) -> None:
        if isinstance(slots, bool) or not isinstance(slots, int) or slots < 1:
            raise ValueError(f"slots must be a whole number of at least 1, got {slots!r}")
        self.cpus = cpus
        self.accelerator_ids = list(accelerator_ids) if accelerator_ids is not None else None
        self.slots = slots
        self._used_cpu = 0
        self._free_devices: List[str] = list(self.accelerator_ids or [])
        self._running = 0
        self._lock = threading.Lock()

    def free(self) -> FreeResources:
        """What FetchJob may ask for now."""
        with self._lock:
            return FreeResources(
                cpu=None if self.cpus is None else self.cpus - self._used_cpu,
                accelerators=None if self.accelerator_ids is None else len(self._free_devices),
                slots=self.slots - self._running,
            )

    def _fits(self, cpu: int, accelerators: int) -> bool:
        if self._running >= self.slots:
            return False
        if self.cpus is not None and cpu > self.cpus - self._used_cpu:
            return False
        if self.accelerator_ids is not None and accelerators > len(self._free_devices):
            return False
        return True

    def allocate(self, cpu: int, accelerators: int) -> Optional[Allocation]:
        """Reserves a job's share (the lowest free device ids first), or None when it does not fit."""
        with self._lock:
            if not self._fits(cpu, accelerators):
                return None
            self._running += 1
            self._used_cpu += cpu
            devices: List[str] = []
            if self.accelerator_ids is not None:
                devices = self._free_devices[:accelerators]
                del self._free_devices[:accelerators]
            return Allocation(cpu=cpu, accelerators=devices)

    def release(self, allocation: Allocation) -> None:
        """Returns a finished job's share."""
        with self._lock:
            self._running -= 1
            self._used_cpu -= allocation.cpu
            if self.accelerator_ids is not None:
                self._free_devices.extend(allocation.accelerators)
                # Keep the original order so allocation stays predictable (lowest ids first).
                order = {device: index for index, device in enumerate(self.accelerator_ids)}
                self._free_devices.sort(key=lambda device: order[device])

/**
 * What a worker can still take on: free CPUs, free accelerators (by device
 * id, so each job gets devices no other running job has), and free slots.
 * The worker asks FetchJob only for what is free here, and a claimed job
 * runs only once its share is reserved.
 */

/** A running job's share of the worker. */
export interface Allocation {
  cpu: number;
  /** Device ids reserved for the job (e.g. ["0", "2"]); empty when none or not tracked. */
  accelerators: string[];
}

/** What is free now; undefined means "not tracked", which FetchJob reads as "do not filter". */
export interface FreeResources {
  cpu?: number;
  accelerators?: number;
  /** How many more jobs may start. */
  slots: number;
}

/**
 * CPU, accelerator and slot accounting. CPUs and accelerators are tracked
 * only when declared; slots always are.
 */
export class ResourcePool {
  private usedCpu = 0;
  private readonly freeDevices: string[];
  private running = 0;

  /**
   * @param cpus CPUs jobs may use together; undefined: not tracked.
   * @param acceleratorIds device ids jobs may use; undefined: not tracked.
   * @param slots most jobs at once (≥ 1).
   * @param cpusHeld the CPUs a job of a task asking for `requiredCpu` really
   *   holds (a scheduler may give more, e.g. SLURM at least one); default: requiredCpu.
   */
  constructor(
    readonly cpus: number | undefined,
    readonly acceleratorIds: readonly string[] | undefined,
    readonly slots: number,
    private readonly cpusHeld: (requiredCpu: number) => number = (requiredCpu) => requiredCpu,
  ) {
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`slots must be a whole number of at least 1, got ${slots}`);
    this.freeDevices = [...(acceleratorIds ?? [])];
  }

  /**
   * What FetchJob may ask for now. When every job holds some CPUs, no more
   * jobs are asked for than the free CPUs can hold, so tasks asking for no
   * CPU are not claimed beyond what the scheduler will run.
   */
  free(): FreeResources {
    let slots = this.slots - this.running;
    const freeCpu = this.cpus === undefined ? undefined : this.cpus - this.usedCpu;
    const leastHeld = this.cpusHeld(0);
    if (freeCpu !== undefined && leastHeld > 0) slots = Math.min(slots, Math.floor(freeCpu / leastHeld));
    return {
      cpu: freeCpu,
      accelerators: this.acceleratorIds === undefined ? undefined : this.freeDevices.length,
      slots,
    };
  }

  /** The CPUs every job holds, whatever it asks for (0 unless a scheduler gives each job some). */
  get cpusHeldAtLeast(): number {
    return this.cpusHeld(0);
  }

  /** True when a job needing this much could start now. */
  fits(requiredCpu: number, requiredAccelerators: number): boolean {
    if (this.running >= this.slots) return false;
    if (this.cpus !== undefined && this.cpusHeld(requiredCpu) > this.cpus - this.usedCpu) return false;
    if (this.acceleratorIds !== undefined && requiredAccelerators > this.freeDevices.length) return false;
    return true;
  }

  /** Reserves a job's share (the CPUs it really holds; the lowest free device ids first), or null when it does not fit. */
  allocate(requiredCpu: number, requiredAccelerators: number): Allocation | null {
    if (!this.fits(requiredCpu, requiredAccelerators)) return null;
    const cpu = this.cpusHeld(requiredCpu);
    this.running += 1;
    this.usedCpu += cpu;
    const accelerators = this.acceleratorIds === undefined ? [] : this.freeDevices.splice(0, requiredAccelerators);
    return { cpu, accelerators };
  }

  /** Returns a finished job's share. */
  release(allocation: Allocation): void {
    this.running -= 1;
    this.usedCpu -= allocation.cpu;
    if (this.acceleratorIds !== undefined) {
      this.freeDevices.push(...allocation.accelerators);
      // Keep the original order so allocation stays predictable (lowest ids first).
      const order = new Map(this.acceleratorIds.map((id, i) => [id, i]));
      this.freeDevices.sort((a, b) => order.get(a)! - order.get(b)!);
    }
  }
}

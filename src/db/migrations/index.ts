import { Migration0001InitialSchema } from "./0001-initial-schema.js";
import { Migration0002WorkerLeaseIndexes } from "./0002-worker-lease-indexes.js";
import { Migration0003AttemptsAndLostLeases } from "./0003-attempts-and-lost-leases.js";
import { Migration0004SweepsWalltimePreemption } from "./0004-sweeps-walltime-preemption.js";
import { Migration0005JobOutput } from "./0005-job-output.js";
import { Migration0006SchedulerHandle } from "./0006-scheduler-handle.js";
import { Migration0007HasDependents } from "./0007-has-dependents.js";

/** Migrations in the order they run. Append; never edit one that has shipped. */
export const migrationsList = [
  { name: "0001-initial-schema", class: Migration0001InitialSchema },
  { name: "0002-worker-lease-indexes", class: Migration0002WorkerLeaseIndexes },
  { name: "0003-attempts-and-lost-leases", class: Migration0003AttemptsAndLostLeases },
  { name: "0004-sweeps-walltime-preemption", class: Migration0004SweepsWalltimePreemption },
  { name: "0005-job-output", class: Migration0005JobOutput },
  { name: "0006-scheduler-handle", class: Migration0006SchedulerHandle },
  { name: "0007-has-dependents", class: Migration0007HasDependents },
];

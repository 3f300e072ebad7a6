import { InvalidArgumentError } from "../domain/errors.js";
import { isBlocking, type JobStatus } from "../domain/job.js";
import type { NewBatchJob } from "./job-creation.js";

/** A job of the project that already took an item's idempotency key. */
export interface KeyedJob {
  readonly id: number;
  readonly status: JobStatus;
}

/**
 * Which items of a batch are new: an item whose idempotency key is already
 * used in the project resolves to that job instead of being created again
 * (so a retried batch returns the same ids). A key repeated within the batch
 * is refused, naming both items.
 */
export function itemsToCreate(items: readonly NewBatchJob[], existingByKey: ReadonlyMap<string, KeyedJob>): number[] {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    if (item.idempotencyKey === null) return;
    const first = seen.get(item.idempotencyKey);
    if (first !== undefined) throw new InvalidArgumentError(`jobs[${i}].idempotency_key`, `repeats the key of jobs[${first}]`);
    seen.set(item.idempotencyKey, i);
  });
  return items.flatMap((item, i) => (item.idempotencyKey !== null && existingByKey.has(item.idempotencyKey) ? [] : [i]));
}

/** What a batch writes: every item's id, and for the new ones their starting status, unmet counter and edges. */
export interface BatchPlan {
  /** The id of every item, new or existing, in item order. */
  readonly ids: number[];
  /** Indexes of the items to insert. */
  readonly created: number[];
  /** Starting status of each item (new ones: PENDING or BLOCKED). */
  readonly statuses: JobStatus[];
  /** Unmet dependencies of each new item. */
  readonly unmet: number[];
  /** Edges to insert: edgesFrom[k] depends on edgesTo[k]. */
  readonly edgesFrom: number[];
  readonly edgesTo: number[];
}

/**
 * Plans a batch once its new ids are drawn: resolves dependencies by name to
 * earlier items (a name used by two earlier items is ambiguous; a later item
 * is refused, since an item may depend only on earlier ones and so no cycle
 * can form), counts each new item's unmet dependencies and blocks it when one
 * blocks. Errors name the item and field.
 */
export function planBatch(
  items: readonly NewBatchJob[],
  input: {
    /** Indexes of the items to insert (itemsToCreate), in order. */
    readonly created: readonly number[];
    /** Ids drawn for them, in the same order. */
    readonly freshIds: readonly number[];
    readonly existingByKey: ReadonlyMap<string, KeyedJob>;
    /** Status of every existing job named in depends_on (checked for project beforehand). */
    readonly dependencyStatus: ReadonlyMap<number, JobStatus>;
  },
): BatchPlan {
  const ids: number[] = new Array(items.length);
  const statuses: JobStatus[] = new Array(items.length);
  const createdSet = new Set(input.created);
  input.created.forEach((index, k) => (ids[index] = input.freshIds[k]!));
  items.forEach((item, i) => {
    const existing = item.idempotencyKey === null ? undefined : input.existingByKey.get(item.idempotencyKey);
    if (existing) {
      ids[i] = existing.id;
      statuses[i] = existing.status;
    }
  });

  const nameIndex = new Map<string, number>();
  const ambiguous = new Set<string>();
  const edgesFrom: number[] = [];
  const edgesTo: number[] = [];
  const unmet: number[] = new Array(items.length).fill(0);
  items.forEach((item, i) => {
    const deps = new Set<number>();
    let blocked = false;
    let count = 0;
    const add = (field: string, id: number, status: JobStatus) => {
      if (deps.has(id)) throw new InvalidArgumentError(field, `names job ${id} twice`);
      deps.add(id);
      if (status !== "completed") count++;
      if (isBlocking(status)) blocked = true;
    };
    for (const id of item.dependsOn) add(`jobs[${i}].depends_on`, id, input.dependencyStatus.get(id)!);
    for (const name of item.dependsOnNames) {
      const field = `jobs[${i}].depends_on_names`;
      if (ambiguous.has(name)) throw new InvalidArgumentError(field, `${JSON.stringify(name)} names more than one earlier item`);
      const j = nameIndex.get(name);
      if (j === undefined) {
        const later = items.findIndex((other, k) => k >= i && other.name === name);
        throw new InvalidArgumentError(
          field,
          later === -1
            ? `${JSON.stringify(name)} is not the name of an earlier item of the batch`
            : `${JSON.stringify(name)} is jobs[${later}], not an earlier item: an item may depend only on earlier items (no cycles)`,
        );
      }
      add(field, ids[j]!, statuses[j]!);
    }
    if (createdSet.has(i)) {
      statuses[i] = blocked ? "blocked" : "pending";
      unmet[i] = count;
      for (const d of deps) {
        edgesFrom.push(ids[i]!);
        edgesTo.push(d);
      }
    }
    if (item.name !== "") {
      if (nameIndex.has(item.name)) ambiguous.add(item.name);
      nameIndex.set(item.name, i);
    }
  });
  return { ids, created: [...input.created], statuses, unmet, edgesFrom, edgesTo };
}

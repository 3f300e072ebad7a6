import { isBlocking } from "../domain/job.js";
import type { BlockedEdge } from "../db/statements/dependencies/select-blocked-subgraph.js";
import type { DependencyEdge } from "../db/statements/dependencies/select-dependency-reach.js";

/**
 * The greatest set of BLOCKED jobs of a subgraph that can be freed together:
 * a job is freed when each of its blocking dependencies is itself freed (the
 * graph is acyclic, so the fixed point is reached by removing the jobs that
 * still depend on a blocker outside the set).
 */
export function freeableJobs(edges: readonly BlockedEdge[]): number[] {
  const blockers = new Map<number, number[]>();
  for (const e of edges) {
    const list = blockers.get(e.jobId) ?? [];
    if (e.dependsOnId !== null && e.dependencyStatus !== null && isBlocking(e.dependencyStatus)) list.push(e.dependsOnId);
    blockers.set(e.jobId, list);
  }
  const freed = new Set(blockers.keys());
  for (let changed = true; changed; ) {
    changed = false;
    for (const id of freed) {
      if (blockers.get(id)!.some((dep) => !freed.has(dep))) {
        freed.delete(id);
        changed = true;
      }
    }
  }
  return [...freed];
}

/**
 * The cycle that making jobId depend on newDependsOn would close, as the ids
 * along it (jobId first and last), or null: a breadth-first walk from jobId
 * through its new dependencies and the existing edges back to jobId.
 */
export function cyclePath(jobId: number, newDependsOn: readonly number[], edges: readonly DependencyEdge[]): number[] | null {
  if (newDependsOn.includes(jobId)) return [jobId, jobId];
  const next = new Map<number, number[]>();
  for (const e of edges) {
    const list = next.get(e.jobId) ?? [];
    list.push(e.dependsOnId);
    next.set(e.jobId, list);
  }
  const parent = new Map<number, number>();
  const queue: number[] = [];
  for (const d of newDependsOn) {
    if (!parent.has(d)) {
      parent.set(d, jobId);
      queue.push(d);
    }
  }
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const n of next.get(id) ?? []) {
      if (n === jobId) {
        const path = [jobId, id];
        let p = parent.get(id)!;
        while (p !== jobId) {
          path.splice(1, 0, p);
          p = parent.get(p)!;
        }
        return [...path, jobId];
      }
      if (!parent.has(n)) {
        parent.set(n, id);
        queue.push(n);
      }
    }
  }
  return null;
}

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cyclePath, freeableJobs } from "../../src/queue/dependency-graph.js";

describe("dependency graph (no server)", () => {
  it("frees the blocked jobs whose blockers are all freed with them, and keeps those behind another blocker", () => {
    // 1 was retried (pending now); 2 and 3 hang below it; 4 is also behind 9, which stays FAILED.
    const edges = [
      { jobId: 2, dependsOnId: 1, dependencyStatus: "pending" as const },
      { jobId: 3, dependsOnId: 2, dependencyStatus: "blocked" as const },
      { jobId: 4, dependsOnId: 2, dependencyStatus: "blocked" as const },
      { jobId: 4, dependsOnId: 9, dependencyStatus: "failed" as const },
      { jobId: 5, dependsOnId: null, dependencyStatus: null },
    ];
    assert.deepEqual(freeableJobs(edges).sort(), [2, 3, 5]);
  });

  it("finds the cycle a new dependency would close, as the path from the job back to it", () => {
    // 3 depends on 2, 2 depends on 1: making 1 depend on 3 closes 1 -> 3 -> 2 -> 1.
    const edges = [
      { jobId: 3, dependsOnId: 2 },
      { jobId: 2, dependsOnId: 1 },
    ];
    assert.deepEqual(cyclePath(1, [3], edges), [1, 3, 2, 1]);
    assert.deepEqual(cyclePath(1, [1], []), [1, 1]);
    assert.equal(cyclePath(4, [3], edges), null);
  });
});

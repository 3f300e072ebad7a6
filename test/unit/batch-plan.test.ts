import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidArgumentError } from "../../src/domain/errors.js";
import { itemsToCreate, planBatch, type KeyedJob } from "../../src/queue/batch-plan.js";
import type { NewBatchJob } from "../../src/queue/job-creation.js";

function item(name: string, more: Partial<NewBatchJob> = {}): NewBatchJob {
  return { task: { name: "t" }, name, parameters: {}, priority: 0, dependsOn: [], dependsOnNames: [], maxAttempts: 1, idempotencyKey: null, expectedSeconds: null, ...more };
}

describe("batch plan (no server)", () => {
  it("creates every item without a used key, and refuses a key repeated in the batch naming both items", () => {
    const existing = new Map<string, KeyedJob>([["k1", { id: 7, status: "completed" }]]);
    assert.deepEqual(itemsToCreate([item("a", { idempotencyKey: "k1" }), item("b"), item("c", { idempotencyKey: "k2" })], existing), [1, 2]);
    assert.throws(
      () => itemsToCreate([item("a", { idempotencyKey: "k" }), item("b"), item("c", { idempotencyKey: "k" })], new Map()),
      (err: unknown) => err instanceof InvalidArgumentError && err.message === "jobs[2].idempotency_key repeats the key of jobs[0]",
    );
  });

  it("links items by name to earlier items, counts unmet dependencies and blocks behind a blocking one", () => {
    const items = [
      item("prep"),
      item("train", { dependsOnNames: ["prep"], dependsOn: [100] }),
      item("eval", { dependsOnNames: ["train"], dependsOn: [101] }),
      item("reuse", { idempotencyKey: "k" }),
      item("after-reuse", { dependsOnNames: ["reuse"] }),
    ];
    const existingByKey = new Map<string, KeyedJob>([["k", { id: 50, status: "failed" }]]);
    const created = itemsToCreate(items, existingByKey);
    const plan = planBatch(items, {
      created,
      freshIds: [11, 12, 13, 14],
      existingByKey,
      dependencyStatus: new Map([
        [100, "completed"],
        [101, "cancelled"],
      ]),
    });
    assert.deepEqual(plan.ids, [11, 12, 13, 50, 14]);
    assert.deepEqual(plan.created, [0, 1, 2, 4]);
    assert.deepEqual(plan.statuses, ["pending", "pending", "blocked", "failed", "blocked"]);
    assert.deepEqual(plan.unmet, [0, 1, 2, 0, 1]);
    const edges = plan.edgesFrom.map((from, k) => `${from}->${plan.edgesTo[k]}`).sort();
    assert.deepEqual(edges, ["12->100", "12->11", "13->101", "13->12", "14->50"].sort());
  });

  it("refuses a dependency on a later item, an unknown name, an ambiguous name and the same job twice, naming the field", () => {
    const plan = (items: NewBatchJob[]) => planBatch(items, { created: items.map((_, i) => i), freshIds: items.map((_, i) => i + 1), existingByKey: new Map(), dependencyStatus: new Map([[9, "pending"]]) });
    const refuses = (items: NewBatchJob[], message: string) =>
      assert.throws(() => plan(items), (err: unknown) => err instanceof InvalidArgumentError && err.message === message);
    refuses([item("a", { dependsOnNames: ["b"] }), item("b")], 'jobs[0].depends_on_names "b" is jobs[1], not an earlier item: an item may depend only on earlier items (no cycles)');
    refuses([item("a", { dependsOnNames: ["zzz"] })], 'jobs[0].depends_on_names "zzz" is not the name of an earlier item of the batch');
    refuses([item("x"), item("x"), item("c", { dependsOnNames: ["x"] })], 'jobs[2].depends_on_names "x" names more than one earlier item');
    refuses([item("a", { dependsOn: [9, 9] })], "jobs[0].depends_on names job 9 twice");
  });
});

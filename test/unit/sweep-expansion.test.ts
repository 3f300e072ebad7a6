import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidArgumentError, LimitExceededError } from "../../src/domain/errors.js";
import { SeededRandom } from "../../src/queue/seeded-random.js";
import { canonicalHash, checkSweepSpec, expandSweep, MAX_SWEEP_SETS, type SweepSpec } from "../../src/queue/sweep-expansion.js";

describe("sweep expansion (no server)", () => {
  it("expands a grid in order, the last axis fastest, with base parameters under each set", () => {
    const sets = expandSweep({ kind: "grid", base: { epochs: 3 }, axes: [{ name: "lr", values: [0.1, 0.01] }, { name: "seed", values: [1, 2, 3] }] });
    assert.deepEqual(
      sets.map((s) => s.parameters),
      [
        { epochs: 3, lr: 0.1, seed: 1 },
        { epochs: 3, lr: 0.1, seed: 2 },
        { epochs: 3, lr: 0.1, seed: 3 },
        { epochs: 3, lr: 0.01, seed: 1 },
        { epochs: 3, lr: 0.01, seed: 2 },
        { epochs: 3, lr: 0.01, seed: 3 },
      ],
    );
    assert.equal(sets[0]!.label, "lr=0.1-seed=1");
  });

  it("keeps one job per distinct parameter set, whatever the key order it was written in", () => {
    const sets = expandSweep({ kind: "list", base: {}, sets: [{ a: 1, b: { x: 1, y: 2 } }, { b: { y: 2, x: 1 }, a: 1 }, { a: 2 }] });
    assert.equal(sets.length, 2);
    assert.equal(canonicalHash({ a: 1, b: { x: 1, y: 2 } }), canonicalHash({ b: { y: 2, x: 1 }, a: 1 }));
    assert.notEqual(canonicalHash({ a: 1 }), canonicalHash({ a: "1" }));
  });

  it("draws the same random sets for the same seed, within each distribution's range", () => {
    const spec: SweepSpec = {
      kind: "random",
      base: {},
      seed: "42",
      count: 200,
      parameters: [
        { name: "lr", distribution: "log_uniform", low: 1e-5, high: 1e-1 },
        { name: "dropout", distribution: "uniform", low: 0, high: 0.5 },
        { name: "layers", distribution: "int_uniform", low: 2, high: 4 },
        { name: "opt", distribution: "choice", values: ["adam", "sgd"] },
      ],
    };
    const a = expandSweep(spec);
    assert.deepEqual(expandSweep(spec), a, "same seed, same draws");
    assert.notDeepEqual(expandSweep({ ...spec, seed: "43" }), a, "another seed, other draws");
    assert.ok(a.length > 150, "random draws of continuous values rarely repeat");
    for (const { parameters: p } of a) {
      assert.ok((p.lr as number) >= 1e-5 && (p.lr as number) < 1e-1);
      assert.ok((p.dropout as number) >= 0 && (p.dropout as number) < 0.5);
      assert.ok([2, 3, 4].includes(p.layers as number));
      assert.ok(["adam", "sgd"].includes(p.opt as string));
    }
    assert.deepEqual(new Set(a.map((s) => s.parameters.layers)), new Set([2, 3, 4]), "both ends of int_uniform are reached");
  });

  it("draws a fixed sequence: the draws of a seed never change between releases", () => {
    const r = new SeededRandom(1n);
    const firsts = [r.next(), r.next(), r.next()].map((x) => x.toFixed(12));
    // SplitMix64 with seed 1: 0x910a2dec89025cc1, 0xbeeb8da1658eec67, 0xf893a2eefb32555e, as doubles from their top 53 bits.
    assert.deepEqual(firsts, ["0.566561575172", "0.745781757263", "0.971002753587"]);
  });

  it("refuses specs that cannot be expanded, naming the field", () => {
    const refuses = (spec: SweepSpec, field: RegExp) => assert.throws(() => checkSweepSpec(spec), (err: unknown) => err instanceof InvalidArgumentError && field.test(err.message));
    refuses({ kind: "grid", base: {}, axes: [] }, /^spec\.grid\.axes must have at least one axis/);
    refuses({ kind: "grid", base: {}, axes: [{ name: "lr", values: [] }] }, /^spec\.grid\.axes\[0\]\.values must list at least one value for "lr"/);
    refuses({ kind: "grid", base: {}, axes: [{ name: "lr", values: [1] }, { name: "lr", values: [2] }] }, /^spec\.grid\.axes\[1\]\.name repeats "lr"/);
    refuses({ kind: "random", base: {}, seed: "1", count: 0, parameters: [{ name: "x", distribution: "uniform", low: 0, high: 1 }] }, /^spec\.random\.count must be at least 1/);
    refuses({ kind: "random", base: {}, seed: "1", count: 5, parameters: [{ name: "x", distribution: "log_uniform", low: 0, high: 1 }] }, /log_uniform low must be above 0/);
    refuses({ kind: "random", base: {}, seed: "1", count: 5, parameters: [{ name: "x", distribution: "uniform", low: 2, high: 1 }] }, /low must be below high, got 2 and 1/);
    refuses({ kind: "random", base: {}, seed: "1", count: 5, parameters: [{ name: "x", distribution: "int_uniform", low: 0.5, high: 3 }] }, /must be whole numbers/);
    assert.throws(
      () => checkSweepSpec({ kind: "grid", base: {}, axes: [{ name: "a", values: Array.from({ length: 1000 }, (_, i) => i) }, { name: "b", values: Array.from({ length: 1000 }, (_, i) => i) }] }),
      (err: unknown) => err instanceof LimitExceededError && err.message.includes(`1000000 parameter sets, more than ${MAX_SWEEP_SETS}`),
    );
  });
});

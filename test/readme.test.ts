import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { it } from "node:test";
import { configSpec } from "../src/config.js";

// The README's configuration table is the user's reference: keep it true.
it("the README's configuration table lists every variable with its default", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const rows = new Map<string, string>();
  for (const match of readme.matchAll(/^\| `([A-Z_]+)` \| ([^|]+) \|/gm)) rows.set(match[1]!, match[2]!.trim());
  for (const [name, spec] of Object.entries(configSpec)) {
    assert.ok(rows.has(name), `README lacks ${name}`);
    const d = (spec as { default?: unknown }).default;
    const expected = d === "" ? "(empty)" : `\`${String(d)}\``;
    assert.equal(rows.get(name), expected, `README default of ${name}`);
  }
  for (const name of rows.keys()) assert.ok(name in configSpec, `README lists ${name}, which the server does not read`);
});

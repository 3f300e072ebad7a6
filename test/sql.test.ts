import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toPositional } from "../src/db/executor.js";

describe("toPositional (knex-style ? to $n for the raw executor)", () => {
  it("numbers placeholders in order and sends array[?] as one array parameter", () => {
    assert.equal(toPositional("select * from job where id = ? and status = ?"), "select * from job where id = $1 and status = $2");
    assert.equal(toPositional("where id = any(array[?]::bigint[]) and w = ?"), "where id = any($1::bigint[]) and w = $2");
    assert.equal(toPositional("select unnest(ARRAY[?]::text[])"), "select unnest($1::text[])");
  });

  it("leaves question marks inside quoted literals and identifiers alone", () => {
    assert.equal(toPositional(`select '?', "a?b", ? from t where x = 'it''s ?'`), `select '?', "a?b", $1 from t where x = 'it''s ?'`);
  });

  it("keeps a statement without placeholders as it is", () => {
    assert.equal(toPositional("select 1"), "select 1");
  });
});

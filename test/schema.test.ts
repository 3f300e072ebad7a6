import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { MikroORM } from "@mikro-orm/postgresql";
import { entities } from "../src/db/entities/index.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

/**
 * The entities are the schema's source next to the hand-written migrations:
 * this holds the two together, column by column (name and nullability), on a
 * database the server migrated. A migration that adds a column the entities
 * lack, or the other way round, fails here.
 */
let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(async () => {
  await t?.close();
});

it("every entity property is a column of the migrated schema, and every column a property", async () => {
  const orm = await MikroORM.init({ clientUrl: t.databaseUrl, entities, connect: false, discovery: { warnWhenNoEntities: false } });
  try {
    const columns = await t.server.app.db.sql.query<{ table_name: string; column_name: string; is_nullable: "YES" | "NO" }>(
      `select table_name, column_name, is_nullable from information_schema.columns where table_schema = current_schema() and table_name <> 'whatsnext_migrations'`,
    );
    const inDatabase = new Map(columns.map((c) => [`${c.table_name}.${c.column_name}`, c.is_nullable === "YES"]));
    const inEntities = new Map<string, boolean>();
    for (const meta of Object.values(orm.getMetadata().getAll())) {
      for (const prop of Object.values(meta.properties)) {
        for (const field of prop.fieldNames) inEntities.set(`${meta.tableName}.${field}`, prop.nullable === true);
      }
    }
    assert.deepEqual([...inEntities.keys()].sort(), [...inDatabase.keys()].sort(), "the same columns");
    for (const [column, nullable] of inEntities) assert.equal(nullable, inDatabase.get(column), `${column} is ${nullable ? "" : "not "}nullable in its entity`);
  } finally {
    await orm.close(true);
  }
});

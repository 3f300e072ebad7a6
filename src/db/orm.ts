import { MikroORM, type Options } from "@mikro-orm/postgresql";
import { Migrator } from "@mikro-orm/migrations";
import pg from "pg";
import type { Logger } from "pino";
import { entities } from "./entities/index.js";
import { migrationsList } from "./migrations/index.js";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "./embedded.js";
import { RawSql } from "./sql.js";

/** Which database the server runs on. */
export type DatabaseKind = "postgres" | "embedded";

/** The open database: the ORM, its kind, and how to close it. */
export interface Database {
  readonly orm: MikroORM;
  /** The queue's SQL on the ORM's pool, without the ORM (src/db/sql.ts). */
  readonly sql: RawSql;
  readonly kind: DatabaseKind;
  /** The URL the pool connects to (for LISTEN clients and tests). */
  readonly url: string;
  close(): Promise<void>;
}

/** Any number that fits; ours is "wnxt" in ASCII. */
const MIGRATION_LOCK_KEY = 0x776e7874;

export function ormOptions(url: string, kind: DatabaseKind): Options {
  return {
    clientUrl: url,
    entities,
    extensions: [Migrator],
    // The embedded database serialises everything; one connection avoids queueing inside the socket server.
    pool: kind === "embedded" ? { min: 1, max: 1 } : { min: 1, max: 20 },
    migrations: { migrationsList, silent: true, transactional: true, allOrNothing: true, tableName: "whatsnext_migrations" },
    discovery: { warnWhenNoEntities: false },
    allowGlobalContext: false,
    debug: false,
  };
}

/**
 * Opens the database: DATABASE_URL when given, otherwise an embedded PGlite
 * under dataDir. Runs pending migrations under an advisory lock, so replicas
 * starting together migrate once.
 */
export async function openDatabase(opts: { databaseUrl: string; dataDir: string; logger: Logger }): Promise<Database> {
  let embedded: EmbeddedDatabase | undefined;
  let url = opts.databaseUrl;
  const kind: DatabaseKind = url ? "postgres" : "embedded";
  if (!url) {
    embedded = await startEmbeddedDatabase(opts.dataDir);
    url = embedded.url;
    opts.logger.info({ dataDir: opts.dataDir }, "embedded database started");
  }
  try {
    await migrate(url, kind);
    const orm = await MikroORM.init(ormOptions(url, kind));
    return {
      orm,
      sql: new RawSql(orm),
      kind,
      url,
      async close() {
        await orm.close(true);
        await embedded?.close();
      },
    };
  } catch (err) {
    await embedded?.close();
    throw err;
  }
}

async function migrate(url: string, kind: DatabaseKind): Promise<void> {
  const lock = new pg.Client({ connectionString: url });
  await lock.connect();
  try {
    if (kind === "postgres") await lock.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    // The embedded database has a single connection's worth of concurrency, so the lock client must not hold it open.
    if (kind === "embedded") await lock.end();
    const orm = await MikroORM.init({ ...ormOptions(url, kind), pool: { min: 0, max: 1 } });
    try {
      await orm.getMigrator().up();
    } finally {
      await orm.close(true);
    }
  } finally {
    if (kind === "postgres") {
      await lock.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => undefined);
      await lock.end();
    }
  }
}

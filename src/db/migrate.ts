import { MikroORM } from "@mikro-orm/postgresql";
import { Migrator } from "@mikro-orm/migrations";
import pg from "pg";
import { DatabaseConnectError } from "./database-connect-error.js";
import { entities } from "./entities/index.js";
import { migrationsList } from "./migrations/index.js";

/** How long the first connection may take before start-up gives up with a line saying so. */
const FIRST_CONNECT_TIMEOUT_MS = 10_000;

/** Any number that fits; ours is "wnxt" in ASCII. */
const MIGRATION_LOCK_KEY = 0x776e7874;

/**
 * Runs pending migrations with MikroORM's migrator. On PostgreSQL an advisory
 * lock held on a connection of its own makes replicas that start together
 * migrate once; the embedded database has one connection's worth of
 * concurrency and a single process, so it needs none.
 */
export async function migrate(url: string, kind: "postgres" | "embedded"): Promise<void> {
  const lock = kind === "postgres" ? await connectFirst(url) : undefined;
  try {
    if (lock) await lock.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    const orm = await MikroORM.init({
      clientUrl: url,
      // MikroORM takes only host, port, user, password and database from clientUrl and drops the query
      // string, so its connection would ignore sslmode, sslrootcert, sslcert and sslkey and go in clear.
      // Handing pg the whole URL as well applies them as the pool and the LISTEN connection do.
      driverOptions: { connection: { connectionString: url, application_name: "whatsnext-migrator" } },
      entities,
      extensions: [Migrator],
      pool: { min: 0, max: 1 },
      migrations: { migrationsList, silent: true, transactional: true, allOrNothing: true, tableName: "whatsnext_migrations" },
      discovery: { warnWhenNoEntities: false },
      allowGlobalContext: false,
      debug: false,
    });
    try {
      await orm.getMigrator().up();
    } finally {
      await orm.close(true);
    }
  } finally {
    if (lock) {
      await lock.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => undefined);
      await lock.end();
    }
  }
}

/**
 * The server's first connection to PostgreSQL (it holds the migration lock).
 * Whatever stops it (a refused or unknown address, a database that does not
 * exist, a certificate from the wrong CA or for another host, an unreadable
 * sslrootcert) becomes a DatabaseConnectError: start-up ends with one line
 * that says what and what to do, not a stack trace.
 */
async function connectFirst(url: string): Promise<pg.Client> {
  try {
    // The constructor reads sslrootcert, sslcert and sslkey, so it can fail too.
    const client = new pg.Client({ connectionString: url, application_name: "whatsnext-migrate", connectionTimeoutMillis: FIRST_CONNECT_TIMEOUT_MS });
    await client.connect();
    return client;
  } catch (err) {
    throw DatabaseConnectError.from(url, err);
  }
}

import type { Logger } from "pino";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "./embedded.js";
import { PooledExecutor, type QueryObserver, type SqlDatabase } from "./executor.js";
import { migrate } from "./migrate.js";

/** Which database the server runs on. */
export type DatabaseKind = "postgres" | "embedded";

/** The open database: its one executor, its kind, and how to close it. */
export interface Database {
  /** Every statement runs here (src/db/statements), inside or outside a transaction. */
  readonly sql: SqlDatabase;
  readonly kind: DatabaseKind;
  /** The URL the pool connects to (for the LISTEN client and tests). */
  readonly url: string;
  close(): Promise<void>;
}

/** How long a statement waits for a PostgreSQL connection before it is answered Unavailable. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Opens the database: DATABASE_URL when given, otherwise an embedded PGlite
 * under dataDir. Runs pending migrations (under an advisory lock, so replicas
 * starting together migrate once), then opens the connection pool the whole
 * server shares.
 */
export async function openDatabase(opts: { databaseUrl: string; dataDir: string; logger: Logger; observer?: QueryObserver }): Promise<Database> {
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
    const sql = new PooledExecutor({
      url,
      // The embedded database runs one statement at a time; one connection avoids queueing inside its socket server.
      maxConnections: kind === "embedded" ? 1 : 20,
      connectTimeoutMs: kind === "embedded" ? 0 : CONNECT_TIMEOUT_MS,
      observer: opts.observer,
      onIdleError: (err) => opts.logger.warn({ err: err.message }, "a pooled database connection failed while idle; it was dropped"),
    });
    return {
      sql,
      kind,
      url,
      async close() {
        await sql.close();
        await embedded?.close();
      },
    };
  } catch (err) {
    await embedded?.close();
    throw err;
  }
}

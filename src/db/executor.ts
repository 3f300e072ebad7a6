import pg from "pg";
import { UnavailableError } from "../domain/errors.js";
import { translateDatabaseError } from "./database-errors.js";

/**
 * Runs one statement with `?` placeholders and bind parameters and returns its
 * rows, typed as the statement declares them. Columns arrive as JavaScript
 * values: bigint and bigint[] as numbers (ids stay below 2^53), timestamptz as
 * Date, json/jsonb parsed, booleans as booleans. The one way to the database:
 * every statement in src/db/statements runs on it.
 */
export interface SqlExecutor {
  query<R>(sql: string, params?: readonly unknown[]): Promise<R[]>;
}

/** An executor that can also run a function in one transaction. */
export interface SqlDatabase extends SqlExecutor {
  /** Runs fn on one connection between BEGIN and COMMIT; rolls back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * Replaces every connection opened before this call before it runs another
   * statement, so each statement is prepared, and planned, afresh (see
   * statistics-watch.ts for why). Statements under way finish first.
   */
  retireConnections(): void;
}

/** Told of every statement's outcome, so health follows what calls see. */
export interface QueryObserver {
  /** A statement reached the database and was answered (even with an error of its own). */
  reached(): void;
  /** The database could not be reached (connection refused, lost, or shutting down). */
  unreachable(err: unknown): void;
}

/** A statement rewritten for pg: `$n` placeholders and, while there is room, a prepared-statement name. */
interface Prepared {
  readonly text: string;
  readonly name: string | undefined;
}

/** Distinct statement texts prepared by name on each connection; texts beyond this run unnamed. */
const NAMED_STATEMENT_LIMIT = 500;

/**
 * Rewrites `?` placeholders as `$1, $2, …`, skipping quoted literals and
 * identifiers. `array[?]` becomes `$n` on its own: pg sends a JavaScript array
 * as one PostgreSQL array, so `array[?]::bigint[]` reads as the array itself.
 */
export function toPositional(sql: string): string {
  let out = "";
  let n = 0;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      if (end < 0) return out + sql.slice(i);
      out += sql.slice(i, end + 1);
      i = end;
      continue;
    }
    if (c !== "?") {
      out += c;
      continue;
    }
    n++;
    if (out.toLowerCase().endsWith("array[") && sql[i + 1] === "]") {
      out = `${out.slice(0, -"array[".length)}$${n}`;
      i++;
    } else {
      out += `$${n}`;
    }
  }
  return out;
}

const INT8 = 20;
const INT8_ARRAY = 1016;

/** bigint as a number: ids and counts of this schema stay far below 2^53. */
function parseInt8(text: string): number {
  return Number(text);
}

/**
 * This pool's own type parsers (pg's global ones stay untouched, so other
 * libraries in the process see pg's defaults).
 */
const typeParsers: pg.CustomTypesConfig = {
  getTypeParser(oid: number, format?: string) {
    if (oid === INT8) return parseInt8;
    if (oid === INT8_ARRAY) {
      const parseArray = (pg.types.getTypeParser as (oid: number, format: "text") => unknown)(INT8_ARRAY, "text") as (text: string) => Array<string | null>;
      return (text: string) => parseArray(text).map((v) => (v === null ? null : Number(v)));
    }
    return pg.types.getTypeParser(oid, (format ?? "text") as "text");
  },
} as pg.CustomTypesConfig;

/** How the pool connects; the embedded database takes one connection at a time. */
export interface PoolOptions {
  readonly url: string;
  readonly maxConnections: number;
  /** How long a statement may wait for a connection before it is answered Unavailable (0: no limit). */
  readonly connectTimeoutMs: number;
  readonly observer?: QueryObserver;
  /** Told of a pooled connection that failed while idle (the pool drops it). */
  readonly onIdleError?: (err: Error) => void;
}

/**
 * The executor on a pg connection pool. Each distinct statement text is
 * rewritten once and prepared once per connection by name, so PostgreSQL
 * parses the hot statements once; values always travel as bind parameters.
 * PostgreSQL's errors come back as domain errors where they have a meaning for
 * the caller (see database-errors.ts).
 */
export class PooledExecutor implements SqlDatabase {
  private readonly prepared = new Map<string, Prepared>();
  private readonly pool: pg.Pool;
  private readonly observer: QueryObserver | undefined;
  /** Bumped by retireConnections(); a connection first handed out under an older one is closed instead of used. */
  private generation = 0;
  private readonly generationOf = new WeakMap<pg.PoolClient, number>();

  constructor(options: PoolOptions) {
    this.observer = options.observer;
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.maxConnections,
      connectionTimeoutMillis: options.connectTimeoutMs,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      types: typeParsers,
      application_name: "whatsnext",
    });
    // An idle connection that breaks (a database restart) must not crash the process: the pool drops it.
    this.pool.on("error", (err) => options.onIdleError?.(err));
  }

  private prepare(sql: string): Prepared {
    let p = this.prepared.get(sql);
    if (!p) {
      p = { text: toPositional(sql), name: this.prepared.size < NAMED_STATEMENT_LIMIT ? `wnxt_${this.prepared.size + 1}` : undefined };
      this.prepared.set(sql, p);
    }
    return p;
  }

  /** Turns a driver failure into the error callers see, and tells the observer whether the database answered. */
  private failed(err: unknown): unknown {
    const translated = translateDatabaseError(err);
    if (translated.unreachable) this.observer?.unreachable(err);
    else this.observer?.reached();
    return translated.error;
  }

  /**
   * A pooled connection; failing to get one (refused, not accepting
   * connections, login refused) is Unavailable. While it is checked out the
   * pool listens no more for its errors, so a connection that breaks between
   * two statements (a database restart in the middle of a transaction) would
   * throw from an event: it is listened to here until released.
   */
  private async connect(): Promise<pg.PoolClient & { broken?: Error }> {
    try {
      let client: pg.PoolClient & { broken?: Error } = await this.pool.connect();
      for (;;) {
        const born = this.generationOf.get(client);
        if (born === undefined) this.generationOf.set(client, this.generation);
        if (born === undefined || born === this.generation) break;
        // Opened before retireConnections(): closed, and the pool opens a new one.
        client.release(true);
        client = await this.pool.connect();
      }
      const onError = (err: Error) => {
        client.broken = err;
        this.observer?.unreachable(err);
      };
      client.on("error", onError);
      const release = client.release.bind(client);
      client.release = (err?: Error | boolean) => {
        client.off("error", onError);
        release(err ?? client.broken);
      };
      return client;
    } catch (err) {
      const translated = this.failed(err);
      if (translated instanceof UnavailableError) throw translated;
      this.observer?.unreachable(err);
      throw new UnavailableError("the database is unavailable; retry shortly", { cause: err });
    }
  }

  private async run<R>(client: pg.PoolClient, sql: string, params: readonly unknown[]): Promise<R[]> {
    const p = this.prepare(sql);
    try {
      const res = await client.query({ text: p.text, name: p.name, values: params as unknown[] });
      this.observer?.reached();
      return res.rows as R[];
    } catch (err) {
      throw this.failed(err);
    }
  }

  async query<R>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    const client = await this.connect();
    let broken: Error | undefined;
    try {
      return await this.run<R>(client, sql, params);
    } catch (err) {
      if (err instanceof UnavailableError) broken = err;
      throw err;
    } finally {
      client.release(broken);
    }
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.connect();
    let open = true;
    let broken: Error | undefined;
    const tx: SqlExecutor = {
      query: <R>(sql: string, params: readonly unknown[] = []) => {
        if (!open) return Promise.reject(new Error("the transaction is over: its executor was used after it ended"));
        return this.run<R>(client, sql, params);
      },
    };
    try {
      await this.run(client, "begin", []);
      const result = await fn(tx);
      await this.run(client, "commit", []);
      return result;
    } catch (err) {
      await client.query("rollback").catch((rollbackFailed: Error) => {
        // A connection that cannot roll back is in an unknown state: the pool drops it instead of reusing it.
        broken = rollbackFailed;
      });
      throw err;
    } finally {
      open = false;
      client.release(broken);
    }
  }

  retireConnections(): void {
    this.generation += 1;
  }

  /** Statements waiting for a free connection now. */
  get waitingCount(): number {
    return this.pool.waitingCount;
  }

  /** Closes every connection; statements after this fail. */
  async close(): Promise<void> {
    await this.pool.end();
  }
}

import type { MikroORM } from "@mikro-orm/postgresql";
import pg from "pg";

/** A raw row: column name to the value pg parsed (bigint as string, timestamptz as text). */
export type SqlRow = Record<string, unknown>;

/**
 * Runs SQL with `?` placeholders and returns the rows. The EntityManager has
 * this shape too, so the queue's SQL runs on either; the server hands the
 * queue a {@link RawSql}, which skips the ORM's query building.
 */
export interface SqlExecutor {
  // The result is what the caller declares it to be, as with EntityManager.execute.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  execute(sql: string, params?: readonly unknown[]): Promise<any>;
}

/** A SqlExecutor that can also run a function in one transaction. */
export interface SqlDatabase extends SqlExecutor {
  transactional<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
}

/** A statement rewritten for pg: `$n` placeholders and, while there is room, a prepared-statement name. */
interface Prepared {
  readonly text: string;
  readonly name: string | undefined;
}

/** Distinct statement texts prepared by name on each connection; texts beyond this run unnamed. */
const NAMED_STATEMENT_LIMIT = 500;

/**
 * Rewrites knex-style `?` placeholders as `$1, $2, …`, skipping quoted
 * literals and identifiers. `array[?]` becomes `$n` on its own, because pg
 * sends a JavaScript array as one PostgreSQL array (knex spreads it into a
 * list instead), so `array[?]::bigint[]` means the same on both.
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

type PooledConnection = pg.Client & { __knex__disposed?: unknown };

/** The knex client under MikroORM, reduced to the pool calls RawSql needs. */
interface KnexPool {
  acquireConnection(): Promise<PooledConnection>;
  releaseConnection(connection: PooledConnection): Promise<unknown>;
}

/**
 * The queue's SQL on the ORM's own connection pool, without the ORM: `?`
 * placeholders are rewritten once per statement text, values travel as bind
 * parameters (never spliced into the text), and each statement is prepared
 * once per connection by name, so PostgreSQL plans the hot statements once.
 * Database errors come back as MikroORM's exceptions (unique and foreign-key
 * violations keep their classes), exactly as from EntityManager.execute.
 */
export class RawSql implements SqlDatabase {
  private readonly prepared = new Map<string, Prepared>();
  private readonly pool: KnexPool;
  private readonly convert: (err: Error) => Error;

  constructor(orm: MikroORM) {
    this.pool = orm.em.getConnection().getKnex().client as unknown as KnexPool;
    const driver = orm.em.getDriver();
    this.convert = (err) => driver.convertException(err);
  }

  /** PostgreSQL's errors as MikroORM's exception classes; anything else as it is. */
  private fromDriver(err: unknown): unknown {
    return err instanceof pg.DatabaseError ? this.convert(err) : err;
  }

  private prepare(sql: string): Prepared {
    let p = this.prepared.get(sql);
    if (!p) {
      p = { text: toPositional(sql), name: this.prepared.size < NAMED_STATEMENT_LIMIT ? `wnxt_${this.prepared.size + 1}` : undefined };
      this.prepared.set(sql, p);
    }
    return p;
  }

  private async run(connection: PooledConnection, sql: string, params: readonly unknown[]): Promise<SqlRow[]> {
    const p = this.prepare(sql);
    try {
      const res = await connection.query<SqlRow>({ text: p.text, name: p.name, values: params as unknown[] });
      return res.rows;
    } catch (err) {
      throw this.fromDriver(err);
    }
  }

  async execute(sql: string, params: readonly unknown[] = []): Promise<SqlRow[]> {
    const connection = await this.pool.acquireConnection();
    try {
      return await this.run(connection, sql, params);
    } finally {
      await this.pool.releaseConnection(connection);
    }
  }

  /** Runs fn in one transaction on one connection: committed when fn resolves, rolled back when it throws. */
  async transactional<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const connection = await this.pool.acquireConnection();
    let open = true;
    const tx: SqlExecutor = {
      execute: (sql, params = []) => {
        if (!open) return Promise.reject(new Error("the transaction is over: its executor was used after it ended"));
        return this.run(connection, sql, params);
      },
    };
    try {
      await connection.query("begin");
      const result = await fn(tx);
      await connection.query("commit");
      return result;
    } catch (err) {
      await connection.query("rollback").catch((rollbackFailed: unknown) => {
        // A connection that cannot roll back is in an unknown state: the pool drops it instead of reusing it.
        connection.__knex__disposed = rollbackFailed;
      });
      throw this.fromDriver(err);
    } finally {
      open = false;
      await this.pool.releaseConnection(connection);
    }
  }
}

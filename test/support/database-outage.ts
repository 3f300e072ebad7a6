import pg from "pg";

/**
 * Makes a server's own PostgreSQL database refuse connections and kills the
 * ones it holds, the way a failover or a DBA would, without touching the
 * server. Only meaningful on PostgreSQL (DATABASE_URL set): the embedded
 * database lives inside the server process.
 */
export class DatabaseOutage {
  private constructor(
    private readonly adminUrl: string,
    private readonly database: string,
  ) {}

  /** For the database named in url, administered through DATABASE_URL. */
  static of(url: string): DatabaseOutage {
    const admin = process.env.DATABASE_URL;
    if (!admin) throw new Error("a database outage needs PostgreSQL (DATABASE_URL)");
    return new DatabaseOutage(admin, decodeURIComponent(new URL(url).pathname.slice(1)));
  }

  /** Refuses new connections and terminates the existing ones. */
  async begin(): Promise<void> {
    await this.admin(async (c) => {
      await c.query(`alter database "${this.database}" allow_connections false`);
      await c.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()", [this.database]);
    });
  }

  /** Accepts connections again. */
  async end(): Promise<void> {
    await this.admin((c) => c.query(`alter database "${this.database}" allow_connections true`).then(() => undefined));
  }

  /** How many sessions are connected to the database right now. */
  async sessions(): Promise<number> {
    let n = 0;
    await this.admin(async (c) => {
      const r = await c.query<{ n: string }>("select count(*) as n from pg_stat_activity where datname = $1", [this.database]);
      n = Number(r.rows[0]!.n);
    });
    return n;
  }

  private async admin(fn: (c: pg.Client) => Promise<void>): Promise<void> {
    const c = new pg.Client({ connectionString: this.adminUrl });
    await c.connect();
    try {
      await fn(c);
    } finally {
      await c.end();
    }
  }
}

import pg from "pg";
const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
await c.connect();
await c.query("create temp table t (id serial, v int)");
await c.query("create table if not exists zz_notify_probe (id serial, v int)");
const N = 300;
async function time(label: string, fn: () => Promise<unknown>) {
  const t = performance.now();
  for (let i = 0; i < N; i++) await fn();
  console.log(label, ((performance.now() - t) / N).toFixed(3), "ms");
}
for (let k = 0; k < 2; k++) {
await time("insert", () => c.query("insert into zz_notify_probe (v) values (1)"));
await time("insert; then notify (2 commits)", async () => { await c.query("insert into zz_notify_probe (v) values (1)"); await c.query("select pg_notify('zz', 'x')"); });
await time("insert+notify one statement", () => c.query("with i as (insert into zz_notify_probe (v) values (1) returning id) select pg_notify('zz', 'x') from i"));
await time("insert; notify async commit", async () => { await c.query("insert into zz_notify_probe (v) values (1)"); await c.query("select set_config('synchronous_commit','off',true), pg_notify('zz', 'x')"); });
await time("select 1", () => c.query("select 1"));
}
await c.query("drop table zz_notify_probe");
await c.end();

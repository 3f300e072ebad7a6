import type { SqlExecutor } from "../../executor.js";

/** The tables whose statistics the hot statements' plans depend on. */
const JOB_TABLES = ["job", "job_attempt", "job_dependency"];

/**
 * How many times the job tables have been analysed (ANALYZE or autovacuum's
 * autoanalyze) since PostgreSQL's statistics were last reset: a number that
 * changes when their planner statistics do. Reads pg_stat_user_tables, no
 * table of ours.
 */
export async function countJobTableAnalyzes(sql: SqlExecutor): Promise<number> {
  const rows = await sql.query<{ n: number }>(
    `select coalesce(sum(analyze_count + autoanalyze_count), 0)::bigint as n from pg_stat_user_tables where schemaname = current_schema() and relname = any(?::text[])`,
    [JOB_TABLES],
  );
  return rows[0]?.n ?? 0;
}

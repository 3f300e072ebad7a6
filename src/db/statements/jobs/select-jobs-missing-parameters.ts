import type { SqlExecutor } from "../../executor.js";

/** For each name, how many of the task's PENDING and BLOCKED jobs lack that parameter, and the first of them. */
export async function selectJobsMissingParameters(
  sql: SqlExecutor,
  taskId: number,
  names: readonly string[],
): Promise<Array<{ name: string; jobs: number; firstId: number }>> {
  if (names.length === 0) return [];
  const rows = await sql.query<{ name: string; jobs: number | string; first_id: number | string }>(
    `select p.name, count(*)::bigint as jobs, min(j.id) as first_id
       from job j cross join unnest(array[?]::text[]) as p(name)
      where j.task_id = ? and j.status in ('pending', 'blocked') and j.parameters -> p.name is null
      group by p.name order by p.name`,
    [[...names], taskId],
  );
  return rows.map((r) => ({ name: r.name, jobs: Number(r.jobs), firstId: Number(r.first_id) }));
}

import type { SqlExecutor } from "../db/sql.js";
import type { QueueEvents } from "./events.js";
import { jobRowFromSql, type JobRow, type SqlRow } from "./job-row.js";
import { createdChange, createJob, type NewJob } from "./jobs.js";

interface Waiting {
  readonly input: NewJob;
  resolve(value: { job: JobRow; existing: boolean }): void;
  reject(err: unknown): void;
}

/**
 * Single CreateJob calls that arrive together become one statement. Calls
 * for a project without dependencies that reach the queue in the same turn of
 * the event loop are inserted by one multi-row insert … select (one round trip
 * and one commit for all of them, in arrival order, so ids keep that order);
 * each caller gets its own row. An item the insert did not take (unknown task,
 * archived project, idempotency key already used, or the whole statement
 * failing) goes through createJob on its own, which answers it exactly as it
 * would have alone. Jobs with dependencies always go through createJob.
 */
export class CreateCoalescer {
  private readonly pending = new Map<number, Waiting[]>();
  private scheduled = false;

  constructor(
    private readonly sql: SqlExecutor,
    private readonly events: QueueEvents,
  ) {}

  create(projectId: number, input: NewJob): Promise<{ job: JobRow; existing: boolean }> {
    if (input.dependsOn.length > 0) return createJob(this.sql, this.events, projectId, input);
    return new Promise((resolve, reject) => {
      const list = this.pending.get(projectId);
      if (list) list.push({ input, resolve, reject });
      else this.pending.set(projectId, [{ input, resolve, reject }]);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const groups = [...this.pending];
    this.pending.clear();
    for (const [projectId, items] of groups) {
      if (items.length === 1) {
        const [only] = items;
        createJob(this.sql, this.events, projectId, only!.input).then(only!.resolve, only!.reject);
      } else {
        void this.insertTogether(projectId, items);
      }
    }
  }

  private async insertTogether(projectId: number, items: readonly Waiting[]): Promise<void> {
    let rows: SqlRow[] = [];
    try {
      rows = await this.sql.execute(
        `with v as materialized (
           select x.*, nextval('job_id_seq') as new_id
           from jsonb_to_recordset(?::jsonb) as x(i int, task_id bigint, task_name text, name text, parameters jsonb,
                                                 priority int, max_attempts int, idempotency_key text)
           order by x.i
         ), ins as (
           insert into job (id, project_id, task_id, name, parameters, priority, status, max_attempts, unmet_dependencies,
                            required_cpu, required_accelerators, idempotency_key)
           select v.new_id, p.id, t.id, v.name, v.parameters, v.priority, 'pending', v.max_attempts, 0,
                  t.required_cpu, t.required_accelerators, v.idempotency_key
           from v join project p on p.id = ? and p.status = 'active'
           join task t on t.project_id = p.id and (t.id = v.task_id or t.name = v.task_name)
           order by v.i
           on conflict (project_id, idempotency_key) do nothing
           returning *
         )
         select v.i as item, ins.*, t.name as task_name, t.command_template, '{}'::bigint[] as depends_on
         from v join ins on ins.id = v.new_id join task t on t.id = ins.task_id`,
        [
          JSON.stringify(
            items.map(({ input }, i) => ({
              i,
              task_id: "id" in input.task ? input.task.id : null,
              task_name: "name" in input.task ? input.task.name : null,
              name: input.name,
              parameters: input.parameters,
              priority: input.priority,
              max_attempts: input.maxAttempts,
              idempotency_key: input.idempotencyKey,
            })),
          ),
          projectId,
        ],
      );
    } catch {
      // Each call below meets the failure (or not) on its own and reports it as it would alone.
      rows = [];
    }
    const created = new Map<number, JobRow>();
    for (const r of rows) created.set(Number(r.item), jobRowFromSql(r));
    const changes = [...created.values()].map(createdChange);
    if (changes.length > 0) await this.events.jobsChanged(changes).catch(() => undefined);
    items.forEach((item, i) => {
      const job = created.get(i);
      if (job) item.resolve({ job, existing: false });
      else createJob(this.sql, this.events, projectId, item.input).then(item.resolve, item.reject);
    });
  }
}

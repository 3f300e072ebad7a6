import type { SqlExecutor } from "../db/executor.js";
import { insertJobs } from "../db/statements/jobs/insert-jobs.js";
import type { Job } from "../domain/job.js";
import type { QueueEvents } from "./events/queue-events.js";
import { createdChange, createJob, explainNotCreated, independentInsert, parameterProblems, type CreatedJob, type NewJob } from "./job-creation.js";

interface Waiting {
  readonly input: NewJob;
  resolve(value: CreatedJob): void;
  reject(err: unknown): void;
}

/**
 * Single CreateJob calls that arrive together become one statement. Calls
 * for a project without dependencies that reach the queue in the same turn of
 * the event loop are inserted by one multi-row insert (one round trip and one
 * commit for all of them, in arrival order, so ids keep that order); each
 * caller gets its own row. An item the insert did not take (unknown task,
 * archived project, idempotency key already used) is explained on its own,
 * exactly as it would have been alone; when the whole statement fails, each
 * call is tried alone. Jobs with dependencies always go alone.
 */
export class CreateCoalescer {
  private readonly pending = new Map<number, Waiting[]>();
  private scheduled = false;

  constructor(
    private readonly sql: SqlExecutor,
    private readonly events: QueueEvents,
  ) {}

  create(projectId: number, input: NewJob): Promise<CreatedJob> {
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
    for (const [projectId, items] of groups) void this.insertTogether(projectId, items);
  }

  private async insertTogether(projectId: number, waiting: readonly Waiting[]): Promise<void> {
    let created: Map<number, Job>;
    let items: readonly Waiting[];
    try {
      // A job its task's command cannot run with is refused before it is queued.
      const problems = await parameterProblems(
        this.sql,
        projectId,
        waiting.map((w) => w.input),
      );
      waiting.forEach((w, i) => problems[i] && w.reject(problems[i]));
      items = waiting.filter((_, i) => !problems[i]);
    } catch (err) {
      waiting.forEach((w) => w.reject(err));
      return;
    }
    if (items.length === 0) return;
    try {
      created = await insertJobs(
        this.sql,
        projectId,
        items.map((w) => independentInsert(w.input)),
        true,
      );
    } catch (err) {
      if (items.length === 1) {
        items[0]!.reject(err);
        return;
      }
      // Each call meets the failure (or not) on its own and reports it as it would alone.
      for (const item of items) createJob(this.sql, this.events, projectId, item.input).then(item.resolve, item.reject);
      return;
    }
    const changes = [...created.values()].map(createdChange);
    if (changes.length > 0) await this.events.jobsChanged(changes).catch(() => undefined);
    items.forEach((item, i) => {
      const job = created.get(i);
      if (job) item.resolve({ job, existing: false });
      else explainNotCreated(this.sql, projectId, item.input).then(item.resolve, item.reject);
    });
  }
}

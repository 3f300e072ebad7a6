import type { SqlExecutor } from "../db/executor.js";
import { insertJobs } from "../db/statements/jobs/insert-jobs.js";
import type { Job } from "../domain/job.js";
import type { QueueEvents } from "./events/queue-events.js";
import { missingParameters } from "./template-coverage.js";
import { createdChange, createJob, explainNotCreated, independentInsert, parameterProblems, type CreatedJob, type NewJob } from "./job-creation.js";

interface Waiting {
  readonly input: NewJob;
  resolve(value: CreatedJob): void;
  reject(err: unknown): void;
}

/** Most task commands remembered; past it the memory starts again (a miss only costs a read). */
const TEMPLATE_MEMORY = 10_000;

/**
 * The command of each task this replica created jobs of lately, by project
 * and task reference (id or name). Nothing here is trusted: a job checked
 * against a remembered command is inserted only while the task's command is
 * still that one (insertJobs' checkedTemplate), and goes the long way
 * otherwise. It saves the read of the task before each insert.
 */
class TaskCommands {
  private readonly byRef = new Map<string, string>();

  private static key(projectId: number, ref: NewJob["task"]): string {
    return "id" in ref ? `${projectId}#${ref.id}` : `${projectId}:${ref.name}`;
  }

  get(projectId: number, ref: NewJob["task"]): string | undefined {
    return this.byRef.get(TaskCommands.key(projectId, ref));
  }

  remember(job: Job): void {
    if (this.byRef.size >= TEMPLATE_MEMORY) this.byRef.clear();
    this.byRef.set(TaskCommands.key(job.projectId, { id: job.taskId }), job.commandTemplate);
    this.byRef.set(TaskCommands.key(job.projectId, { name: job.taskName }), job.commandTemplate);
  }
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
 *
 * The parameters must fill the task's command: a call for a task whose
 * command this replica knows is checked against it and inserted on the
 * condition that the command is unchanged (one statement); the others read
 * their tasks first (two).
 */
export class CreateCoalescer {
  private readonly pending = new Map<number, Waiting[]>();
  private scheduled = false;
  private readonly commands = new TaskCommands();

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
    // A job its task's command cannot run with is refused before it is queued: checked
    // against the command this replica remembers, or against the task read now.
    const checked = waiting.map((w) => {
      const command = this.commands.get(projectId, w.input.task);
      return command !== undefined && missingParameters({ commandTemplate: command }, w.input.parameters).length === 0 ? command : undefined;
    });
    const unchecked = waiting.filter((_, i) => checked[i] === undefined);
    let refused = new Set<Waiting>();
    if (unchecked.length > 0) {
      try {
        const problems = await parameterProblems(
          this.sql,
          projectId,
          unchecked.map((w) => w.input),
        );
        unchecked.forEach((w, i) => problems[i] && w.reject(problems[i]));
        refused = new Set(unchecked.filter((_, i) => problems[i]));
      } catch (err) {
        waiting.forEach((w) => w.reject(err));
        return;
      }
    }
    const items = waiting.filter((w) => !refused.has(w));
    const itemChecked = waiting.flatMap((w, i) => (refused.has(w) ? [] : [checked[i]]));
    if (items.length === 0) return;
    try {
      created = await insertJobs(
        this.sql,
        projectId,
        items.map((w, i) => ({ ...independentInsert(w.input), checkedTemplate: itemChecked[i] })),
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
    for (const job of created.values()) this.commands.remember(job);
    if (changes.length > 0) await this.events.jobsChanged(changes).catch(() => undefined);
    items.forEach((item, i) => {
      const job = created.get(i);
      if (job) item.resolve({ job, existing: false });
      // Checked against a command that may have changed since: the long way, which reads the task.
      else if (itemChecked[i] !== undefined) createJob(this.sql, this.events, projectId, item.input).then(item.resolve, item.reject);
      else explainNotCreated(this.sql, projectId, item.input).then(item.resolve, item.reject);
    });
  }
}

import { JobService } from "../../gen/whatsnext/v1/job_pb.js";
import { ProjectService } from "../../gen/whatsnext/v1/project_pb.js";
import { TaskService } from "../../gen/whatsnext/v1/task_pb.js";
import { WorkerService } from "../../gen/whatsnext/v1/worker_pb.js";
import type { Protocol, TestServer } from "./test-server.js";

let counter = 0;

/** A unique name for this test process, so tests of one file never share data. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

/** A fresh project with a task per requirement set, and the clients to drive it. */
export async function queueFixture(t: TestServer, protocol: Protocol, prefix: string, tasks: Record<string, { cpu?: number; gpu?: number }> = { run: {} }) {
  const projectClient = t.client(ProjectService, protocol);
  const taskClient = t.client(TaskService, protocol);
  const project = (await projectClient.createProject({ name: uniqueName(prefix) })).project!;
  const taskIds: Record<string, bigint> = {};
  for (const [name, req] of Object.entries(tasks)) {
    const task = (await taskClient.createTask({ projectId: project.id, name, commandTemplate: `${name} {job_id}`, requiredCpu: req.cpu ?? 0, requiredAccelerators: req.gpu ?? 0 })).task!;
    taskIds[name] = task.id;
  }
  const jobs = t.client(JobService, protocol);
  const workers = t.client(WorkerService, protocol);
  return {
    project,
    taskIds,
    jobs,
    workers,
    /** Creates a job of the task (the first one by default) and returns its id. */
    async createJob(opts: { task?: string; priority?: number; maxAttempts?: number; dependsOn?: bigint[]; name?: string } = {}): Promise<bigint> {
      const task = opts.task ?? Object.keys(tasks)[0]!;
      const r = await jobs.createJob({
        projectId: project.id,
        task: { case: "taskName", value: task },
        name: opts.name ?? "",
        priority: opts.priority ?? 0,
        maxAttempts: opts.maxAttempts ?? 0,
        dependsOn: opts.dependsOn ?? [],
      });
      return r.job!.id;
    },
    /** Registers a worker with a unique id and returns the id. */
    async registerWorker(opts: { cpu?: number; gpu?: number } = {}): Promise<string> {
      const r = await workers.registerWorker({ id: uniqueName("w"), name: "test worker", availableCpu: opts.cpu, availableAccelerators: opts.gpu });
      return r.worker!.id;
    },
  };
}

/**
 * Polls until check returns a value (not undefined), up to limitMs; for
 * states that change in the background (the reaper) where no event is exposed.
 */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, limitMs = 15_000): Promise<T> {
  const until = Date.now() + limitMs;
  let delay = 20;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 250);
  }
}

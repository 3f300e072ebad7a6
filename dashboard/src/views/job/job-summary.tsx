import type { Job } from "../../../../gen/whatsnext/v1/job_pb.js";
import { api } from "../../api/clients.js";
import { usePolling } from "../../live/use-polling.js";
import { paths } from "../../router.js";

/** What the job is: its project, task, priority, attempts and the worker that holds (or last held) it. */
export function JobSummary({ job }: { job: Job }) {
  const project = usePolling(() => api.projects.getProject({ project: { case: "id", value: job.projectId } }), String(job.projectId), undefined, "loading the project");
  return (
    <section class="card">
      <h2>Summary</h2>
      <dl class="facts">
        <dt>Project</dt>
        <dd>
          <a href={paths.queue(job.projectId)}>{project.data?.project?.name ?? `project ${job.projectId}`}</a> · <a href={paths.sweep(job.projectId)}>sweep</a>
        </dd>
        <dt>Task</dt>
        <dd>
          {job.taskName}
          {(job.requiredCpu > 0 || job.requiredAccelerators > 0) && (
            <span class="muted">
              {" "}
              (needs {job.requiredCpu} CPU, {job.requiredAccelerators} accelerators)
            </span>
          )}
        </dd>
        <dt>Priority</dt>
        <dd>{job.priority}</dd>
        <dt>Attempts</dt>
        <dd data-attempts>
          {job.attempts} of {job.maxAttempts}
        </dd>
        <dt>Worker</dt>
        <dd>{job.workerId ? <a href={paths.workers(true)}>{job.workerId}</a> : <span class="muted">none yet</span>}</dd>
        {job.idempotencyKey && (
          <>
            <dt>Idempotency key</dt>
            <dd>
              <code>{job.idempotencyKey}</code>
            </dd>
          </>
        )}
      </dl>
    </section>
  );
}

import type { Job } from "../../../../gen/whatsnext/v1/job_pb.js";

/**
 * How the job ran: the command the worker reported (and the task's
 * template), its exit code and message, and the end of its output as the
 * worker sent it with FinishJob. The live output of the latest attempt is
 * the section after it (job-live-output.tsx).
 */
export function JobRun({ job }: { job: Job }) {
  return (
    <section class="card job-run">
      <h2>Run</h2>
      <dl class="facts">
        <dt>Command</dt>
        <dd>{job.command ? <code class="command">{job.command}</code> : <span class="muted">{job.startTime ? "not reported by the worker" : "not started yet"}</span>}</dd>
        {job.commandTemplate && (
          <>
            <dt>Template</dt>
            <dd>
              <code>{job.commandTemplate}</code>
            </dd>
          </>
        )}
        <dt>Exit code</dt>
        <dd data-exit-code>{job.exitCode ?? <span class="muted">—</span>}</dd>
        <dt>Message</dt>
        <dd data-message>{job.message || <span class="muted">—</span>}</dd>
      </dl>
      <h3>Output (last lines of stdout and stderr)</h3>
      {job.outputTail ? <pre class="output-tail">{job.outputTail}</pre> : <p class="muted">No output reported.</p>}
    </section>
  );
}

import { Fragment } from "preact";
import type { Job } from "../../../../gen/whatsnext/v1/job_pb.js";
import { formatValue } from "../../model/parameters.js";

/** The job's parameters, one per line. */
export function JobParameters({ job }: { job: Job }) {
  const entries = Object.entries(job.parameters ?? {});
  return (
    <section class="card">
      <h2>Parameters</h2>
      {entries.length === 0 ? (
        <p class="muted">none</p>
      ) : (
        <dl class="facts parameters">
          {entries.map(([k, v]) => (
            <Fragment key={k}>
              <dt>{k}</dt>
              <dd data-parameter={k}>
                <code>{formatValue(v)}</code>
              </dd>
            </Fragment>
          ))}
        </dl>
      )}
    </section>
  );
}

import type { JobStatus } from "../../../../gen/whatsnext/v1/common_pb.js";
import type { Job } from "../../../../gen/whatsnext/v1/job_pb.js";
import { StatusBadge } from "../../components/status-badge.js";
import { paths } from "../../router.js";

/** A neighbour of the job in the dependency graph. */
export interface RelatedJob {
  readonly id: bigint;
  readonly name: string;
  readonly status: JobStatus;
}

/** What the job waits for and what waits for it, each with its current status. */
export function JobRelations({ job, dependencies, dependents, dependentsComplete }: { job: Job; dependencies: readonly RelatedJob[]; dependents: readonly RelatedJob[] | undefined; dependentsComplete: boolean }) {
  return (
    <section class="card relations">
      <h2>Dependencies</h2>
      <RelatedList jobs={dependencies} empty="none: it may run at once" label="dependencies" />
      <h2>Dependents</h2>
      {dependents === undefined ? (
        <p class="muted">Looking through project {String(job.projectId)}…</p>
      ) : (
        <>
          <RelatedList jobs={dependents} empty="none" label="dependents" />
          {!dependentsComplete && <p class="muted">Only the project's first jobs were searched for dependents.</p>}
        </>
      )}
    </section>
  );
}

function RelatedList({ jobs, empty, label }: { jobs: readonly RelatedJob[]; empty: string; label: string }) {
  if (jobs.length === 0) return <p class="muted">{empty}</p>;
  return (
    <ul class="related" data-related={label}>
      {jobs.map((j) => (
        <li key={String(j.id)}>
          <a href={paths.job(j.id)}>
            #{String(j.id)} {j.name}
          </a>{" "}
          <StatusBadge status={j.status} />
        </li>
      ))}
    </ul>
  );
}

import { useEffect, useState } from "preact/hooks";
import type { JobStatus } from "../../../gen/whatsnext/v1/common_pb.js";
import type { GetJobDependenciesResponse, Job } from "../../../gen/whatsnext/v1/job_pb.js";
import { api } from "../api/clients.js";
import { readableError, type ReadableError } from "../api/readable-error.js";
import { ErrorLine } from "../components/error-line.js";
import { LiveBadge } from "../components/live-badge.js";
import { StatusBadge } from "../components/status-badge.js";
import { isNewer } from "../live/job-events.js";
import { useProjectJobs } from "../live/use-project-jobs.js";
import { JobActions } from "./job/job-actions.js";
import { JobParameters } from "./job/job-parameters.js";
import { JobLiveOutput } from "./job/job-live-output.js";
import { JobRelations } from "./job/job-relations.js";
import { JobRun } from "./job/job-run.js";
import { JobSummary } from "./job/job-summary.js";
import { JobTimeline, type ObservedChange } from "./job/job-timeline.js";

/**
 * One job: what it is, its state and history as far as the API tells, how
 * it ran, what it waits for and what waits for it, and Retry / Cancel for
 * roles that may use them. Each part is a section of its own (views/job/),
 * so attempts and provenance can join as further sections; the latest
 * attempt's output follows live (JobLiveOutput).
 * The job and its neighbours stay current from the project's WatchJobs.
 */
export function JobPage({ jobId }: { jobId: bigint }) {
  const [fetched, setFetched] = useState<Job>();
  const [dependencies, setDependencies] = useState<GetJobDependenciesResponse>();
  const [error, setError] = useState<ReadableError>();
  const [observed, setObserved] = useState<ObservedChange[]>([]);

  useEffect(() => {
    let current = true;
    Promise.all([api.jobs.getJob({ id: jobId }), api.jobs.getJobDependencies({ id: jobId })]).then(
      ([res, deps]) => {
        if (!current) return;
        setFetched(res.job);
        setDependencies(deps);
      },
      (err) => current && setError(readableError(err, `loading job ${jobId}`)),
    );
    return () => {
      current = false;
    };
  }, [jobId]);

  const project = useProjectJobs(fetched?.projectId);
  const streamed = project.jobs?.get(jobId);
  const deleted = project.jobs !== undefined && fetched !== undefined && streamed === undefined;
  const job = streamed && isNewer(streamed, fetched) ? streamed : fetched;

  useEffect(() => {
    if (!job) return;
    setObserved((seen) => (seen.length > 0 && seen[seen.length - 1]!.status === job.status ? seen : [...seen, { status: job.status, time: job.updateTime }]));
  }, [job?.status, job?.updateTime?.seconds, job?.updateTime?.nanos]);

  if (error) return <ErrorLine error={error} />;
  if (!job) return <p class="muted">Loading job {String(jobId)}…</p>;

  const statusOf = (id: bigint, fallback: JobStatus) => project.jobs?.get(id)?.status ?? fallback;
  return (
    <article class="job-page" data-job-id={String(job.id)}>
      <div class="page-title">
        <h1>
          Job {String(job.id)} {job.name && <span class="job-name">{job.name}</span>}
        </h1>
        <StatusBadge status={job.status} />
        <LiveBadge live={project.live} />
      </div>
      {deleted && <ErrorLine error={{ text: "This job was deleted." }} />}
      {project.error && <ErrorLine error={project.error} />}
      {project.live.state === "reconnecting" && <ErrorLine error={project.live.error} />}
      <JobActions job={job} onChanged={setFetched} />
      <div class="job-sections">
        <JobSummary job={job} />
        <JobParameters job={job} />
        <JobTimeline job={job} observed={observed} />
        <JobRun job={job} />
        <JobLiveOutput job={job} />
        <JobRelations
          job={job}
          dependencies={(dependencies?.dependencies ?? []).map((d) => ({ id: d.id, name: d.name, status: statusOf(d.id, d.status) }))}
          dependents={project.jobs ? [...project.jobs.values()].filter((j) => j.dependsOn.includes(job.id)).map((j) => ({ id: j.id, name: j.name, status: j.status })) : undefined}
          dependentsComplete={project.complete}
        />
      </div>
    </article>
  );
}

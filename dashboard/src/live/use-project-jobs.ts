import { useEffect, useRef, useState } from "preact/hooks";
import { JobEventType, type Job } from "../../../gen/whatsnext/v1/job_pb.js";
import { api, readAllPages } from "../api/clients.js";
import { readableError, type ReadableError } from "../api/readable-error.js";
import { isNewer, useJobEvents, type LiveState } from "./job-events.js";

/** The most jobs a page reads of one project; a larger project shows its first ones and says so. */
export const PROJECT_JOBS_LIMIT = 20_000;

/** Every job of a project (up to PROJECT_JOBS_LIMIT), kept current from WatchJobs. */
export interface ProjectJobs {
  readonly jobs: ReadonlyMap<bigint, Job> | undefined;
  /** False when the project has more jobs than were read. */
  readonly complete: boolean;
  readonly error: ReadableError | undefined;
  readonly live: LiveState;
}

/**
 * Reads all of a project's jobs once the watch is in place and applies
 * every change after it, for pages that need the whole project (the sweep
 * grid, a job's dependents). `onChange` sees every changed job (e.g. to
 * refresh stats).
 */
export function useProjectJobs(projectId: bigint | undefined, onChange?: (job: Job) => void): ProjectJobs {
  const [jobs, setJobs] = useState<ReadonlyMap<bigint, Job>>();
  const [complete, setComplete] = useState(true);
  const [error, setError] = useState<ReadableError>();
  const [subscriptions, setSubscriptions] = useState(0);
  const live = useJobEvents(
    projectId,
    (event) => {
      const job = event.job;
      if (!job) return;
      onChange?.(job);
      setJobs((current) => {
        if (!current) return current;
        const next = new Map(current);
        if (event.type === JobEventType.DELETED) next.delete(job.id);
        else if (isNewer(job, current.get(job.id))) next.set(job.id, job);
        else return current;
        return next;
      });
    },
    () => setSubscriptions((n) => n + 1),
  );
  const reads = useRef(0);
  useEffect(() => {
    if (projectId === undefined || subscriptions === 0) return;
    const mine = ++reads.current;
    readAllPages(async (pageToken, pageSize) => {
      const res = await api.jobs.listJobs({ projectId, pageSize, pageToken });
      return { items: res.jobs, nextPageToken: res.nextPageToken };
    }, PROJECT_JOBS_LIMIT).then(
      ({ items, complete }) => {
        if (mine !== reads.current) return;
        setJobs(new Map(items.map((j) => [j.id, j])));
        setComplete(complete);
        setError(undefined);
      },
      (err) => mine === reads.current && setError(readableError(err, "listing the project's jobs")),
    );
  }, [projectId, subscriptions]);
  return { jobs, complete, error, live };
}

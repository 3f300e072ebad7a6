import { Fragment } from "preact";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { JobStatus } from "../../../../gen/whatsnext/v1/common_pb.js";
import type { Job } from "../../../../gen/whatsnext/v1/job_pb.js";
import { AbsoluteTime, RelativeTime } from "../../components/relative-time.js";
import { StatusBadge } from "../../components/status-badge.js";

/** A status the page saw the job in, and when the job last changed then. */
export interface ObservedChange {
  readonly status: JobStatus;
  readonly time: Timestamp | undefined;
}

/**
 * The job's times as the API records them (created, retry backoff, started,
 * lease, finished, last change), and the statuses this page saw it pass
 * through while open. Per-attempt history will sit beside this section.
 */
export function JobTimeline({ job, observed }: { job: Job; observed: readonly ObservedChange[] }) {
  const rows: Array<[string, Timestamp | undefined]> = [
    ["Created", job.createTime],
    ["Not before (retry backoff)", job.notBeforeTime],
    ["Started", job.startTime],
    ["Lease expires", job.leaseExpireTime],
    ["Finished", job.finishTime],
    ["Last change", job.updateTime],
  ];
  return (
    <section class="card">
      <h2>Timeline</h2>
      <dl class="facts">
        {rows
          .filter(([, t]) => t !== undefined)
          .map(([label, t]) => (
            <Fragment key={label}>
              <dt>{label}</dt>
              <dd>
                <AbsoluteTime time={t} /> <span class="muted">(<RelativeTime time={t} />)</span>
              </dd>
            </Fragment>
          ))}
        {job.startTime && job.finishTime && (
          <>
            <dt>Ran for</dt>
            <dd>{duration(job.startTime, job.finishTime)}</dd>
          </>
        )}
      </dl>
      <h3>Seen on this page</h3>
      <ol class="observed">
        {observed.map((c, i) => (
          <li key={i}>
            <StatusBadge status={c.status} /> <RelativeTime time={c.time} />
          </li>
        ))}
      </ol>
    </section>
  );
}

function duration(from: Timestamp, to: Timestamp): string {
  const seconds = Number(to.seconds - from.seconds) + (to.nanos - from.nanos) / 1e9;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

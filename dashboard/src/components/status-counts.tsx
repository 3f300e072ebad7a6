import type { JobStatus } from "../../../gen/whatsnext/v1/common_pb.js";
import { statusName, STATUSES } from "../model/job-status.js";

/**
 * A count per status as small labelled chips; with `href`, each chip links
 * to the queue filtered by its status.
 */
export function StatusCounts({ counts, href }: { counts: ReadonlyMap<JobStatus, number>; href?: (status: JobStatus) => string }) {
  return (
    <ul class="status-counts">
      {STATUSES.map((s) => {
        const name = statusName(s);
        const body = (
          <>
            <span class={`dot status-${name}`} aria-hidden="true" />
            {name} <strong data-count={name}>{counts.get(s) ?? 0}</strong>
          </>
        );
        return <li key={s}>{href ? <a href={href(s)}>{body}</a> : body}</li>;
      })}
    </ul>
  );
}

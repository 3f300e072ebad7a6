import type { JobStatus } from "../../../gen/whatsnext/v1/common_pb.js";
import { statusName, STATUSES } from "../model/job-status.js";

/**
 * A bar split by status in proportion to the counts. Widths are set through
 * the style object (CSSOM), which the page's Content-Security-Policy allows;
 * style attributes in markup it would not.
 */
export function ProgressBar({ counts, total }: { counts: ReadonlyMap<JobStatus, number>; total: number }) {
  const done = counts.get(STATUSES[3]!) ?? 0;
  const label = total === 0 ? "no jobs" : `${done} of ${total} completed`;
  return (
    <div class="progress" role="img" aria-label={label} title={label}>
      {total > 0 &&
        STATUSES.map((s) => {
          const n = counts.get(s) ?? 0;
          return n > 0 ? <span key={s} class={`progress-part status-${statusName(s)}`} style={{ width: `${(100 * n) / total}%` }} /> : null;
        })}
    </div>
  );
}

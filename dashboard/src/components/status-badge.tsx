import type { JobStatus } from "../../../gen/whatsnext/v1/common_pb.js";
import { statusName } from "../model/job-status.js";

/** A job status as a coloured word; the colour classes (status-failed, …) live in styles.css. */
export function StatusBadge({ status }: { status: JobStatus }) {
  const name = statusName(status);
  return <span class={`status-badge status-${name}`} data-status={name}>{name}</span>;
}

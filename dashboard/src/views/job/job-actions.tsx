import { useState } from "preact/hooks";
import type { Job } from "../../../../gen/whatsnext/v1/job_pb.js";
import { api } from "../../api/clients.js";
import { readableError, type ReadableError } from "../../api/readable-error.js";
import { ErrorLine } from "../../components/error-line.js";
import { canCancel, canRetry } from "../../model/job-status.js";
import { canChangeJobs, useSession } from "../../session.js";

/**
 * Retry and Cancel, shown only to roles that may use them (submitter,
 * admin) and only in statuses that allow them. Cancel asks once more
 * in place, since it stops a running job.
 */
export function JobActions({ job, onChanged }: { job: Job; onChanged: (job: Job) => void }) {
  const { identity } = useSession();
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<ReadableError>();
  if (!canChangeJobs(identity.role)) return null;
  const run = async (doing: string, call: () => Promise<{ job?: Job }>) => {
    setBusy(true);
    setError(undefined);
    try {
      const res = await call();
      if (res.job) onChanged(res.job);
    } catch (err) {
      setError(readableError(err, doing));
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };
  return (
    <div class="actions">
      {canRetry(job.status) && (
        <button type="button" disabled={busy} onClick={() => void run("retrying", () => api.jobs.retryJob({ id: job.id }))}>
          Retry
        </button>
      )}
      {canCancel(job.status) &&
        (confirming ? (
          <>
            <span>Cancel job {String(job.id)}?</span>
            <button type="button" class="danger" disabled={busy} onClick={() => void run("cancelling", () => api.jobs.cancelJob({ id: job.id, reason: "cancelled from the dashboard" }))}>
              Yes, cancel it
            </button>
            <button type="button" disabled={busy} onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </>
        ) : (
          <button type="button" disabled={busy} onClick={() => setConfirming(true)}>
            Cancel
          </button>
        ))}
      {error && <ErrorLine error={error} />}
    </div>
  );
}

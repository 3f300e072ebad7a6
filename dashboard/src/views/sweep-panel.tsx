import { useState } from "preact/hooks";
import type { JobStatus } from "../../../gen/whatsnext/v1/common_pb.js";
import type { Job } from "../../../gen/whatsnext/v1/job_pb.js";
import type { Sweep } from "../../../gen/whatsnext/v1/sweep_pb.js";
import { api } from "../api/clients.js";
import { readableError, type ReadableError } from "../api/readable-error.js";
import { ErrorLine } from "../components/error-line.js";
import { ProgressBar } from "../components/progress-bar.js";
import { StatusCounts } from "../components/status-counts.js";
import { canCancel, canRetry, statusName } from "../model/job-status.js";
import { paths } from "../router.js";
import { canChangeJobs, useSession } from "../session.js";

/**
 * One sweep above its grid: its name and spec, a bar and counts from its
 * jobs as they change live, and for submitters the two steering buttons:
 * retry its failed, blocked and cancelled jobs, and cancel what has not ended
 * (after a second confirmation).
 */
export function SweepPanel({ sweep, jobs, projectId, onChanged }: { sweep: Sweep; jobs: readonly Job[]; projectId: bigint; onChanged: () => void }) {
  const { identity } = useSession();
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState<string>();
  const [error, setError] = useState<ReadableError>();
  const counts = new Map<JobStatus, number>();
  for (const j of jobs) counts.set(j.status, (counts.get(j.status) ?? 0) + 1);
  const retryable = jobs.filter((j) => canRetry(j.status)).length;
  const open = jobs.filter((j) => canCancel(j.status)).length;
  const ref = { sweep: { case: "id" as const, value: sweep.id } };

  const run = async (doing: string, call: () => Promise<string>) => {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      setDone(await call());
      onChanged();
    } catch (err) {
      setError(readableError(err, doing));
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };

  return (
    <div class="sweep-panel" data-sweep-id={String(sweep.id)}>
      <h2>
        Sweep {sweep.name} <span class="muted">· task {sweep.taskName} · {specText(sweep)}</span>
      </h2>
      <ProgressBar counts={counts} total={jobs.length} />
      <StatusCounts counts={counts} href={(s) => paths.queue(projectId, new URLSearchParams({ task: sweep.taskName, status: statusName(s) }))} />
      {canChangeJobs(identity.role) && (
        <div class="actions">
          <button
            type="button"
            disabled={busy || retryable === 0}
            onClick={() =>
              void run("retrying the sweep", async () => {
                const res = await api.sweeps.retrySweep({ sweep: ref });
                return `Retried ${res.retriedJobIds.length} jobs${res.skippedJobIds.length ? `; ${res.skippedJobIds.length} left as they are` : ""}.`;
              })
            }
          >
            Retry failed ({retryable})
          </button>
          {confirming ? (
            <>
              <span>Cancel the {open} jobs of sweep {sweep.name} that have not ended?</span>
              <button
                type="button"
                class="danger"
                disabled={busy}
                onClick={() =>
                  void run("cancelling the sweep", async () => {
                    const res = await api.sweeps.cancelSweep({ sweep: ref, reason: "sweep cancelled from the dashboard" });
                    return `Cancelled ${res.cancelledJobIds.length} jobs.`;
                  })
                }
              >
                Yes, cancel the sweep
              </button>
              <button type="button" disabled={busy} onClick={() => setConfirming(false)}>
                No
              </button>
            </>
          ) : (
            <button type="button" class="danger" disabled={busy || open === 0} onClick={() => setConfirming(true)}>
              Cancel sweep ({open})
            </button>
          )}
          {done && <span class="muted" role="status">{done}</span>}
        </div>
      )}
      {error && <ErrorLine error={error} />}
    </div>
  );
}

function specText(sweep: Sweep): string {
  const kind = sweep.spec?.kind;
  switch (kind?.case) {
    case "grid":
      return `grid ${kind.value.axes.map((a) => `${a.name} (${a.values.length})`).join(" × ")}`;
    case "list":
      return `list of ${kind.value.parameterSets.length}`;
    case "random":
      return `${kind.value.count} random draws (seed ${kind.value.seed})`;
    default:
      return "";
  }
}

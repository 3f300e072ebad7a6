import type { GetQueueStatsResponse } from "../../../gen/whatsnext/v1/job_pb.js";
import { api } from "../api/clients.js";
import { ErrorLine } from "../components/error-line.js";
import { LiveBadge } from "../components/live-badge.js";
import { ProgressBar } from "../components/progress-bar.js";
import { StatusCounts } from "../components/status-counts.js";
import type { LiveState } from "../live/job-events.js";
import { usePolling } from "../live/use-polling.js";
import { statusName } from "../model/job-status.js";
import { statsCounts } from "../model/queue-stats.js";
import { paths } from "../router.js";

/** The top of a project's pages: its name, the Queue / Sweep tabs, whether updates are live, and the queue's stats. */
export function ProjectHeader({ projectId, current, live, stats }: { projectId: bigint; current: "queue" | "sweep"; live: LiveState; stats: GetQueueStatsResponse | undefined }) {
  const project = usePolling(() => api.projects.getProject({ project: { case: "id", value: projectId } }), String(projectId), undefined, "loading the project");
  const counts = statsCounts(stats);
  return (
    <header class="project-header">
      <div class="page-title">
        <h1>{project.data?.project?.name ?? `Project ${projectId}`}</h1>
        <LiveBadge live={live} />
      </div>
      {project.error && <ErrorLine error={project.error} />}
      {project.data?.project?.description && <p class="muted">{project.data.project.description}</p>}
      <nav class="tabs">
        <a href={paths.queue(projectId)} aria-current={current === "queue" ? "page" : undefined}>
          Queue
        </a>
        <a href={paths.sweep(projectId)} aria-current={current === "sweep" ? "page" : undefined}>
          Sweep
        </a>
      </nav>
      {stats && (
        <div class="queue-stats" data-total={String(stats.total)}>
          <ProgressBar counts={counts} total={Number(stats.total)} />
          <StatusCounts counts={counts} href={(s) => paths.queue(projectId, new URLSearchParams({ status: statusName(s) }))} />
          <p class="muted">
            {Number(stats.total)} jobs · {stats.projectWorkers} workers on this project · {stats.activeWorkers} active of {stats.registeredWorkers} registered on the server
          </p>
        </div>
      )}
      {live.state === "reconnecting" && <ErrorLine error={live.error} />}
    </header>
  );
}

import { ProjectStatus } from "../../../gen/whatsnext/v1/common_pb.js";
import { api, readAllPages } from "../api/clients.js";
import { ErrorLine } from "../components/error-line.js";
import { ProgressBar } from "../components/progress-bar.js";
import { StatusCounts } from "../components/status-counts.js";
import { usePolling } from "../live/use-polling.js";
import { statusName } from "../model/job-status.js";
import { mapWithLimit, statsCounts } from "../model/queue-stats.js";
import { paths } from "../router.js";

/** Every project with its jobs per status and a progress bar; archived ones on request. Refreshed every 3 s. */
export function ProjectsPage({ archived }: { archived: boolean }) {
  const loaded = usePolling(
    async () => {
      const { items: projects } = await readAllPages(async (pageToken, pageSize) => {
        const res = await api.projects.listProjects({ includeArchived: archived, pageSize, pageToken });
        return { items: res.projects, nextPageToken: res.nextPageToken };
      }, 5000);
      const stats = await mapWithLimit(projects, 6, (p) => api.jobs.getQueueStats({ projectId: p.id }));
      return projects.map((project, i) => ({ project, stats: stats[i]! }));
    },
    `projects:${archived}`,
    3000,
    "listing projects",
  );

  return (
    <section>
      <div class="page-title">
        <h1>Projects</h1>
        <a href={paths.projects(!archived)}>{archived ? "Hide archived" : "Show archived"}</a>
      </div>
      {loaded.error && <ErrorLine error={loaded.error} />}
      {loaded.data === undefined && !loaded.error && <p class="muted">Loading…</p>}
      {loaded.data?.length === 0 && (
        <p class="muted">
          No projects yet. Create one with <code>whatsnext projects create NAME</code>.
        </p>
      )}
      <ul class="project-list">
        {loaded.data?.map(({ project, stats }) => {
          const counts = statsCounts(stats);
          const isArchived = project.status === ProjectStatus.ARCHIVED;
          return (
            <li key={String(project.id)} class="card" data-project={project.name}>
              <div class="card-title">
                <a href={paths.queue(project.id)}>{project.name}</a>
                {isArchived && <span class="tag">archived</span>}
                <span class="muted">
                  {Number(stats.total)} jobs · {stats.projectWorkers} workers on it
                </span>
              </div>
              {project.description && <p class="muted">{project.description}</p>}
              <ProgressBar counts={counts} total={Number(stats.total)} />
              <StatusCounts counts={counts} href={(s) => paths.queue(project.id, new URLSearchParams({ status: statusName(s) }))} />
            </li>
          );
        })}
      </ul>
    </section>
  );
}

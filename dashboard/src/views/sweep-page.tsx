import type { JsonValue } from "@bufbuild/protobuf";
import type { Job } from "../../../gen/whatsnext/v1/job_pb.js";
import { api, readAllPages } from "../api/clients.js";
import { ErrorLine } from "../components/error-line.js";
import { usePolling } from "../live/use-polling.js";
import { useProjectJobs, PROJECT_JOBS_LIMIT } from "../live/use-project-jobs.js";
import { useQueueStats } from "../live/use-queue-stats.js";
import { statusName, STATUSES } from "../model/job-status.js";
import { formatValue, parametersText } from "../model/parameters.js";
import { sweepGrid, type SweepCell, type VaryingParameter } from "../model/sweep-grid.js";
import { navigate, paths } from "../router.js";
import { ProjectHeader } from "./project-header.js";
import { SweepPanel } from "./sweep-panel.js";

/** How often the list of sweeps is read again (their jobs are live already). */
const SWEEPS_REFRESH_MS = 15_000;

/**
 * The sweep picture: the jobs of one task laid out on the one or two
 * parameters that vary (chosen in the URL: `?task=train&x=lr&y=seed&fix.wd=0.1`),
 * each cell coloured by status so that a failed corner stands out. A cell
 * with one job opens it; a cell with several opens the queue filtered to them.
 * With `?sweep=ID` it draws that sweep's jobs only, under the sweep's panel
 * (progress, retry, cancel).
 */
export function SweepPage({ projectId, search }: { projectId: bigint; search: URLSearchParams }) {
  const { stats, changed } = useQueueStats(projectId);
  const { jobs, complete, error, live } = useProjectJobs(projectId, changed);
  const sweeps = usePolling(
    async () =>
      (
        await readAllPages(async (pageToken, pageSize) => {
          const res = await api.sweeps.listSweeps({ projectId, pageToken, pageSize });
          return { items: res.sweeps, nextPageToken: res.nextPageToken };
        })
      ).items,
    String(projectId),
    SWEEPS_REFRESH_MS,
    "listing the project's sweeps",
  );
  const sweepParam = search.get("sweep");
  const sweep = sweepParam ? sweeps.data?.find((s) => String(s.id) === sweepParam) : undefined;

  const all = jobs ? [...jobs.values()] : [];
  const perTask = new Map<string, number>();
  for (const j of all) perTask.set(j.taskName, (perTask.get(j.taskName) ?? 0) + 1);
  const taskNames = [...perTask.keys()].sort();
  const task = sweep?.taskName ?? search.get("task") ?? [...perTask.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? "";
  const taskJobs = sweepParam ? all.filter((j) => String(j.sweepId) === sweepParam) : all.filter((j) => j.taskName === task);
  const fixed = new Map<string, string>();
  for (const [k, v] of search) if (k.startsWith("fix.")) fixed.set(k.slice(4), v);
  const grid = sweepGrid(taskJobs, { x: search.get("x") ?? undefined, y: search.get("y") ?? undefined, fixed });

  const change = (key: string, value: string | undefined) => {
    const next = new URLSearchParams(search);
    if (value === undefined) next.delete(key);
    else next.set(key, value);
    navigate(paths.sweep(projectId, next), { replace: true });
  };
  // Another sweep (or none) starts from its own default axes.
  const chooseSweep = (id: string) => navigate(paths.sweep(projectId, new URLSearchParams(id ? { sweep: id } : {})), { replace: true });
  const cellQuery = (xValue: JsonValue | undefined, yValue: JsonValue | undefined) => {
    const conditions = [...fixed.entries()].filter(([k]) => k !== grid.x?.key && k !== grid.y?.key).map(([k, v]) => `${k}=${v}`);
    if (grid.x) conditions.push(`${grid.x.key}=${formatValue(xValue)}`);
    if (grid.y) conditions.push(`${grid.y.key}=${formatValue(yValue)}`);
    return new URLSearchParams({ task, param: conditions.join(" ") });
  };

  return (
    <section>
      <ProjectHeader projectId={projectId} current="sweep" live={live} stats={stats} />
      {error && <ErrorLine error={error} />}
      {sweeps.error && <ErrorLine error={sweeps.error} />}
      {sweepParam && sweeps.data && !sweep && <p class="muted">This project has no sweep {sweepParam}.</p>}
      {sweep && jobs && <SweepPanel sweep={sweep} jobs={taskJobs} projectId={projectId} onChanged={sweeps.reload} />}
      {!complete && <p class="muted">This project has more than {PROJECT_JOBS_LIMIT} jobs; the picture shows the first {PROJECT_JOBS_LIMIT}.</p>}
      {!jobs && !error && <p class="muted">Loading…</p>}
      {jobs && all.length === 0 && <p class="muted">No jobs yet.</p>}
      {jobs && all.length > 0 && (
        <>
          <form class="filters sweep-axes" onSubmit={(e) => e.preventDefault()}>
            {(sweeps.data?.length ?? 0) > 0 && (
              <label>
                Sweep
                <select name="sweep" value={sweepParam ?? ""} onChange={(e) => chooseSweep(e.currentTarget.value)}>
                  <option value="">jobs of a task</option>
                  {sweeps.data!.map((s) => (
                    <option key={String(s.id)} value={String(s.id)}>
                      {s.name} ({String(s.counts?.total ?? 0n)})
                    </option>
                  ))}
                </select>
              </label>
            )}
            {!sweepParam && taskNames.length > 1 && (
              <label>
                Task
                <select name="task" value={task} onChange={(e) => change("task", e.currentTarget.value)}>
                  {taskNames.map((t) => (
                    <option key={t} value={t}>
                      {t} ({perTask.get(t)})
                    </option>
                  ))}
                </select>
              </label>
            )}
            {grid.varying.length > 0 && (
              <AxisSelect label="Columns" name="x" value={grid.x?.key ?? ""} options={grid.varying} onChange={(v) => change("x", v)} />
            )}
            {grid.varying.length > 1 && (
              <AxisSelect label="Rows" name="y" value={grid.y?.key ?? ""} options={grid.varying.filter((v) => v !== grid.x)} allowNone onChange={(v) => change("y", v)} />
            )}
            {grid.varying
              .filter((v) => v !== grid.x && v !== grid.y)
              .map((v) => (
                <label key={v.key}>
                  {v.key}
                  <select name={`fix.${v.key}`} value={fixed.get(v.key) ?? ""} onChange={(e) => change(`fix.${v.key}`, e.currentTarget.value || undefined)}>
                    <option value="">all</option>
                    {v.values.map((value) => (
                      <option key={formatValue(value)} value={formatValue(value)}>
                        {formatValue(value)}
                      </option>
                    ))}
                  </select>
                </label>
              ))}
          </form>
          {grid.varying.length === 0 ? (
            <p class="muted">The {taskJobs.length} jobs of task {task} do not differ in any parameter: there is no sweep to draw.</p>
          ) : (
            <div class="table-wrap">
              <table class="sweep-grid" data-x={grid.x?.key} data-y={grid.y?.key}>
                <thead>
                  <tr>
                    <th scope="col" class="corner">
                      {grid.y ? `${grid.y.key} ↓ · ${grid.x!.key} →` : `${grid.x!.key} →`}
                    </th>
                    {grid.x!.values.map((v) => (
                      <th key={formatValue(v)} scope="col">
                        {formatValue(v)}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {grid.rows.map((row, yi) => {
                    const yValue = grid.y?.values[yi];
                    return (
                      <tr key={yi}>
                        <th scope="row">{grid.y ? formatValue(yValue) : ""}</th>
                        {row.map((cell, xi) => (
                          <td key={xi}>
                            <Cell cell={cell} href={cell.jobs.length === 1 ? paths.job(cell.jobs[0]!.id) : paths.queue(projectId, cellQuery(grid.x!.values[xi], yValue))} />
                          </td>
                        ))}
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
          {grid.hidden > 0 && <p class="muted">{grid.hidden} of the task's jobs are not shown: they lack a parameter of the axes, or differ from the values chosen above.</p>}
          <Legend jobs={taskJobs} />
        </>
      )}
    </section>
  );
}

function AxisSelect({ label, name, value, options, allowNone, onChange }: { label: string; name: string; value: string; options: readonly VaryingParameter[]; allowNone?: boolean; onChange: (key: string) => void }) {
  return (
    <label>
      {label}
      <select name={name} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {allowNone && <option value="">none</option>}
        {options.map((v) => (
          <option key={v.key} value={v.key}>
            {v.key} ({v.values.length})
          </option>
        ))}
      </select>
    </label>
  );
}

function Cell({ cell, href }: { cell: SweepCell; href: string }) {
  if (cell.jobs.length === 0 || cell.status === undefined) return <span class="cell empty" title="no job" />;
  const name = statusName(cell.status);
  const one = cell.jobs.length === 1 ? cell.jobs[0]! : undefined;
  const title = one ? `job ${one.id} ${one.name}: ${name} (${parametersText(one.parameters)})` : `${cell.jobs.length} jobs: ${describe(cell.jobs)}`;
  return (
    <a class={`cell status-${name}`} href={href} title={title} aria-label={title} data-status={name} data-job-id={one ? String(one.id) : undefined}>
      {one ? "" : cell.jobs.length}
    </a>
  );
}

function describe(jobs: readonly Job[]): string {
  const counts = new Map<string, number>();
  for (const j of jobs) counts.set(statusName(j.status), (counts.get(statusName(j.status)) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${n} ${s}`).join(", ");
}

function Legend({ jobs }: { jobs: readonly Job[] }) {
  return (
    <ul class="legend">
      {STATUSES.map((s) => {
        const n = jobs.filter((j) => j.status === s).length;
        return (
          <li key={s}>
            <span class={`cell status-${statusName(s)}`} aria-hidden="true" /> {statusName(s)} {n}
          </li>
        );
      })}
    </ul>
  );
}

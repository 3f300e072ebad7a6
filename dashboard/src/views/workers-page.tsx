import { api, readAllPages } from "../api/clients.js";
import { ErrorLine } from "../components/error-line.js";
import { RelativeTime } from "../components/relative-time.js";
import { usePolling } from "../live/use-polling.js";
import { paths } from "../router.js";

/** Workers with their resources, last heartbeat and the jobs they hold; inactive ones on request. Refreshed every 3 s. */
export function WorkersPage({ inactive }: { inactive: boolean }) {
  const loaded = usePolling(
    async () =>
      (
        await readAllPages(async (pageToken, pageSize) => {
          const res = await api.workers.listWorkers({ includeInactive: inactive, pageSize, pageToken });
          return { items: res.workers, nextPageToken: res.nextPageToken };
        }, 5000)
      ).items,
    `workers:${inactive}`,
    3000,
    "listing workers",
  );
  return (
    <section>
      <div class="page-title">
        <h1>Workers</h1>
        <a href={paths.workers(!inactive)}>{inactive ? "Hide inactive" : "Show inactive"}</a>
      </div>
      {loaded.error && <ErrorLine error={loaded.error} />}
      {loaded.data === undefined && !loaded.error && <p class="muted">Loading…</p>}
      {loaded.data?.length === 0 && <p class="muted">{inactive ? "No workers have registered." : "No active workers. Start one with whatsnext worker."}</p>}
      {loaded.data && loaded.data.length > 0 && (
        <div class="table-wrap">
          <table class="workers">
            <thead>
              <tr>
                <th scope="col">Worker</th>
                <th scope="col">State</th>
                <th scope="col">CPUs</th>
                <th scope="col">Accelerators</th>
                <th scope="col">Last heartbeat</th>
                <th scope="col">Jobs held</th>
              </tr>
            </thead>
            <tbody>
              {loaded.data.map((w) => (
                <tr key={w.id} data-worker-id={w.id}>
                  <td>
                    <strong>{w.name || w.id}</strong>
                    <div class="muted small">
                      {w.id}
                      {w.entity && ` · ${w.entity}`}
                      {w.description && ` · ${w.description}`}
                    </div>
                  </td>
                  <td>
                    <span class={`tag ${w.active ? "active" : "inactive"}`}>{w.active ? "active" : "inactive"}</span>
                  </td>
                  <td class="number">{w.availableCpu ?? <span class="muted">any</span>}</td>
                  <td class="number">{w.availableAccelerators ?? <span class="muted">any</span>}</td>
                  <td>
                    <RelativeTime time={w.lastHeartbeatTime} />
                  </td>
                  <td>
                    {w.jobIds.length === 0 ? (
                      <span class="muted">none</span>
                    ) : (
                      <ul class="inline-list">
                        {w.jobIds.map((id) => (
                          <li key={String(id)}>
                            <a href={paths.job(id)}>#{String(id)}</a>
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

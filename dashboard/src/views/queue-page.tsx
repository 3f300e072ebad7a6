import { useEffect, useRef, useState } from "preact/hooks";
import { JobEventType, type Job, type WatchJobsResponse } from "../../../gen/whatsnext/v1/job_pb.js";
import { api } from "../api/clients.js";
import { readableError, type ReadableError } from "../api/readable-error.js";
import { ErrorLine } from "../components/error-line.js";
import { RelativeTime } from "../components/relative-time.js";
import { StatusBadge } from "../components/status-badge.js";
import { isNewer, useJobEvents } from "../live/job-events.js";
import { useQueueStats } from "../live/use-queue-stats.js";
import { statusName } from "../model/job-status.js";
import { parametersText } from "../model/parameters.js";
import { hasLocalFilter, localFilter, matchesQuery, queueSearch, readQueueQuery, sortJobs, type LocalFilter, type QueueQuery, type SortKey } from "../model/queue-query.js";
import { navigate, paths } from "../router.js";
import { ProjectHeader } from "./project-header.js";
import { QueueFilters } from "./queue-filters.js";

/** Rows per page. */
const PAGE_SIZE = 50;
/** With a name or parameter filter, the API's pages are read in this size until a page of matches is full. */
const SCAN_PAGE_SIZE = 500;
/** …or until this many jobs were read for one page, so a rare match cannot read a huge queue at once. */
const SCAN_LIMIT = 10_000;

interface PageOfJobs {
  readonly rows: ReadonlyMap<bigint, Job>;
  /** The API's token of the page after this one; "" on the last page. */
  readonly next: string;
  readonly scanned: number;
}

/** History state of the queue page: the tokens of the pages before this one, for "Previous". */
interface PagingState {
  readonly previousPages?: readonly string[];
}

/**
 * A project's queue: a page of jobs filtered by status, task (both by the
 * API), name and parameter values (here), sorted within the page, and kept
 * current from WatchJobs: a job that changes is replaced in place, a new
 * job that belongs on this page appears, a deleted one goes.
 */
export function QueuePage({ projectId, search }: { projectId: bigint; search: URLSearchParams }) {
  const query = readQueueQuery(search);
  let filter: LocalFilter = { name: query.name.trim().toLowerCase(), conditions: [] };
  let filterProblem: string | undefined;
  try {
    filter = localFilter(query);
  } catch (err) {
    filterProblem = (err as Error).message;
  }
  // Sorting is done here, so a new sort does not read the page again.
  const loadKey = queueSearch({ ...query, sort: { key: "id", descending: false } }).toString();

  const [page, setPage] = useState<PageOfJobs>();
  const [error, setError] = useState<ReadableError>();
  const [subscriptions, setSubscriptions] = useState(0);
  const [recent, setRecent] = useState<ReadonlySet<bigint>>(new Set());
  const { stats, error: statsError, changed } = useQueueStats(projectId);

  const applyEvent = (event: WatchJobsResponse) => {
    const job = event.job;
    if (!job) return;
    changed();
    setPage((current) => {
      if (!current) return current;
      const rows = new Map(current.rows);
      if (event.type === JobEventType.DELETED) {
        if (!rows.delete(job.id)) return current;
      } else if (rows.has(job.id)) {
        if (!isNewer(job, rows.get(job.id))) return current;
        rows.set(job.id, job);
      } else if (matchesQuery(job, query, filter) && belongsOnPage(job.id, current, query.page === "")) {
        rows.set(job.id, job);
      } else {
        return current;
      }
      return { ...current, rows };
    });
    setRecent((r) => new Set(r).add(job.id));
    setTimeout(() => setRecent((r) => {
      const next = new Set(r);
      next.delete(job.id);
      return next;
    }), 1500);
  };
  const live = useJobEvents(projectId, applyEvent, () => setSubscriptions((n) => n + 1));

  // Read the page once the watch is in place (and again after each reconnection, or when the filters change).
  const reads = useRef(0);
  useEffect(() => {
    if (subscriptions === 0 || filterProblem) return;
    const mine = ++reads.current;
    setError(undefined);
    readPage(projectId, query, filter).then(
      (p) => mine === reads.current && setPage(p),
      (err) => mine === reads.current && setError(readableError(err, "listing jobs")),
    );
  }, [projectId, loadKey, subscriptions]);

  const rows = page ? sortJobs([...page.rows.values()], query.sort) : [];
  const previousPages = (history.state as PagingState | null)?.previousPages ?? [];
  const go = (changes: Partial<QueueQuery>, state?: PagingState) => navigate(paths.queue(projectId, queueSearch({ ...query, page: "", ...changes })), { state });

  return (
    <section>
      <ProjectHeader projectId={projectId} current="queue" live={live} stats={stats} />
      {statsError && <ErrorLine error={statsError} />}
      <QueueFilters projectId={projectId} query={query} onApply={(changes) => go(changes)} />
      {filterProblem && <ErrorLine error={{ text: filterProblem }} />}
      {error && <ErrorLine error={error} />}
      {!page && !error && !filterProblem && <p class="muted">Loading…</p>}
      {page && (
        <>
          <div class="table-wrap">
            <table class="jobs">
              <thead>
                <tr>
                  {COLUMNS.map(([key, label]) => (
                    <th key={key} scope="col" aria-sort={query.sort.key === key ? (query.sort.descending ? "descending" : "ascending") : undefined}>
                      <a href={paths.queue(projectId, queueSearch({ ...query, sort: { key, descending: query.sort.key === key && !query.sort.descending } }))} data-sort={key}>
                        {label}
                        {query.sort.key === key ? (query.sort.descending ? " ▼" : " ▲") : ""}
                      </a>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((job) => (
                  <tr key={String(job.id)} data-job-id={String(job.id)} data-status={statusName(job.status)} class={recent.has(job.id) ? "just-changed" : undefined}>
                    <td>
                      <a href={paths.job(job.id)}>{String(job.id)}</a>
                    </td>
                    <td class="name">
                      <a href={paths.job(job.id)}>{job.name || <span class="muted">(no name)</span>}</a>
                    </td>
                    <td>{job.taskName}</td>
                    <td>
                      <StatusBadge status={job.status} />
                    </td>
                    <td class="parameters">{parametersText(job.parameters)}</td>
                    <td class="number">{job.priority}</td>
                    <td class="number">
                      {job.attempts}/{job.maxAttempts}
                    </td>
                    <td>{job.workerId || <span class="muted">—</span>}</td>
                    <td>
                      <RelativeTime time={job.updateTime} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {rows.length === 0 && <p class="muted">No jobs match.</p>}
          <nav class="pager">
            {query.page !== "" &&
              (previousPages.length > 0 ? (
                <button type="button" key="previous" onClick={() => go({ page: previousPages[previousPages.length - 1]! }, { previousPages: previousPages.slice(0, -1) })}>
                  ← Previous
                </button>
              ) : (
                <button type="button" key="first" onClick={() => go({ page: "" })}>
                  ⇤ First page
                </button>
              ))}
            <span class="muted" key="count">
              {rows.length} shown{hasLocalFilter(filter) ? ` (matching, of ${page.scanned} read)` : ""}
            </span>
            {page.next && (
              <button type="button" key="next" onClick={() => go({ page: page.next }, { previousPages: [...previousPages, query.page] })}>
                Next →
              </button>
            )}
          </nav>
        </>
      )}
    </section>
  );
}

const COLUMNS: ReadonlyArray<readonly [SortKey, string]> = [
  ["id", "#"],
  ["name", "Name"],
  ["task", "Task"],
  ["status", "Status"],
  ["parameters", "Parameters"],
  ["priority", "Priority"],
  ["attempts", "Attempts"],
  ["worker", "Worker"],
  ["updated", "Updated"],
];

/** Reads one page: the API's page, or with local filters as many API pages as fill one page of matches. */
async function readPage(projectId: bigint, query: QueueQuery, filter: LocalFilter): Promise<PageOfJobs> {
  const scan = hasLocalFilter(filter);
  const rows = new Map<bigint, Job>();
  let token = query.page;
  let scanned = 0;
  do {
    const res = await api.jobs.listJobs({ projectId, statuses: [...query.statuses], taskName: query.task, pageSize: scan ? SCAN_PAGE_SIZE : PAGE_SIZE, pageToken: token });
    scanned += res.jobs.length;
    for (const job of res.jobs) if (matchesQuery(job, query, filter)) rows.set(job.id, job);
    token = res.nextPageToken;
  } while (scan && token && rows.size < PAGE_SIZE && scanned < SCAN_LIMIT);
  return { rows, next: token, scanned };
}

/**
 * Whether a job not shown yet belongs on this page. Pages run in id order:
 * the first page holds every id up to its last row, the last page every id
 * from its first row on, and a page between them the ids between its rows.
 */
function belongsOnPage(id: bigint, page: PageOfJobs, isFirstPage: boolean): boolean {
  const ids = [...page.rows.keys()];
  if (ids.length === 0) return isFirstPage && page.next === "";
  const low = ids.reduce((a, b) => (b < a ? b : a));
  const high = ids.reduce((a, b) => (b > a ? b : a));
  return (isFirstPage || id >= low) && (page.next === "" || id <= high);
}

import type { JobStatus } from "../../../gen/whatsnext/v1/common_pb.js";
import type { Job } from "../../../gen/whatsnext/v1/job_pb.js";
import { compareValues, matchesParameters, parametersText, parseParameterFilter, type ParameterCondition } from "./parameters.js";
import { statusFromName, statusName, STATUSES } from "./job-status.js";

/** Columns the queue table sorts by. */
export const SORT_KEYS = ["id", "name", "task", "status", "parameters", "priority", "attempts", "worker", "updated"] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/**
 * What the queue page shows, all of it in the URL so a view can be linked:
 * `?status=failed,running&task=train&name=lr&param=lr=0.1&sort=-updated&page=<token>`.
 * Status and task go to the API (ListJobs); name and parameter filters are
 * applied here, on the pages the API returns.
 */
export interface QueueQuery {
  readonly statuses: readonly JobStatus[];
  readonly task: string;
  readonly name: string;
  readonly parameters: string;
  readonly sort: { readonly key: SortKey; readonly descending: boolean };
  /** The API page token the page starts at; "" for the first page. */
  readonly page: string;
}

/** Reads the query from the URL; unknown values fall back to the defaults rather than failing the page. */
export function readQueueQuery(search: URLSearchParams): QueueQuery {
  const statuses = (search.get("status") ?? "")
    .split(",")
    .map(statusFromName)
    .filter((s): s is JobStatus => s !== undefined);
  const sortText = search.get("sort") ?? "id";
  const descending = sortText.startsWith("-");
  const key = (SORT_KEYS as readonly string[]).includes(sortText.replace(/^-/, "")) ? (sortText.replace(/^-/, "") as SortKey) : "id";
  return {
    statuses: STATUSES.filter((s) => statuses.includes(s)),
    task: search.get("task") ?? "",
    name: search.get("name") ?? "",
    parameters: search.get("param") ?? "",
    sort: { key, descending },
    page: search.get("page") ?? "",
  };
}

/** The URL query of a queue query, leaving defaults out. */
export function queueSearch(query: QueueQuery): URLSearchParams {
  const out = new URLSearchParams();
  if (query.statuses.length) out.set("status", query.statuses.map(statusName).join(","));
  if (query.task) out.set("task", query.task);
  if (query.name) out.set("name", query.name);
  if (query.parameters) out.set("param", query.parameters);
  if (query.sort.key !== "id" || query.sort.descending) out.set("sort", `${query.sort.descending ? "-" : ""}${query.sort.key}`);
  if (query.page) out.set("page", query.page);
  return out;
}

/** The part of a query the API cannot apply: a name substring and parameter conditions. */
export interface LocalFilter {
  readonly name: string;
  readonly conditions: readonly ParameterCondition[];
}

/** The local filter of a query; throws ParameterFilterError for a malformed parameter filter. */
export function localFilter(query: QueueQuery): LocalFilter {
  return { name: query.name.trim().toLowerCase(), conditions: parseParameterFilter(query.parameters) };
}

export function hasLocalFilter(filter: LocalFilter): boolean {
  return filter.name !== "" || filter.conditions.length > 0;
}

/** Whether a job belongs in the page's table: the API's filters and the local ones. */
export function matchesQuery(job: Job, query: QueueQuery, filter: LocalFilter): boolean {
  if (query.statuses.length && !query.statuses.includes(job.status)) return false;
  if (query.task && job.taskName !== query.task) return false;
  if (filter.name && !job.name.toLowerCase().includes(filter.name)) return false;
  return matchesParameters(job.parameters, filter.conditions);
}

const seconds = (t: { seconds: bigint; nanos: number } | undefined) => (t ? Number(t.seconds) + t.nanos / 1e9 : 0);

const sortValue: Record<SortKey, (job: Job) => string | number | bigint> = {
  id: (j) => j.id,
  name: (j) => j.name,
  task: (j) => j.taskName,
  status: (j) => STATUSES.indexOf(j.status),
  parameters: (j) => parametersText(j.parameters),
  priority: (j) => j.priority,
  attempts: (j) => j.attempts,
  worker: (j) => j.workerId,
  updated: (j) => seconds(j.updateTime),
};

/** Sorts the rows of a page (the API pages by id; sorting orders what one page holds), id breaking ties. */
export function sortJobs(jobs: readonly Job[], sort: QueueQuery["sort"]): Job[] {
  const value = sortValue[sort.key];
  const direction = sort.descending ? -1 : 1;
  return [...jobs].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    let order = typeof x === "string" && typeof y === "string" ? compareValues(x, y) : x < y ? -1 : x > y ? 1 : 0;
    if (order === 0) order = a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    return order * direction;
  });
}

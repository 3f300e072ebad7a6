import { JOB_STATUSES, type JobStatus } from "../../domain/job.js";
import type { JobChange, JobChangeType } from "./queue-events.js";

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; stay well below. */
export const PAYLOAD_LIMIT = 7_500;

const TYPES: readonly JobChangeType[] = ["created", "updated", "deleted"];

/**
 * The wire form of a batch of changes: `{"r": replica, "g": [[project, type,
 * status, [job ids...]], ...], "b": [[project, job id, not_before ms], ...]}`
 * with type and status as indexes. Grouping by (project, type, status) costs
 * about 8 bytes per job.
 */
export interface Payload {
  r: string;
  g: Array<[number, number, number, number[]]>;
  b?: Array<[number, number, number]>;
  /** Jobs that got new output (output followers wake; nothing else changed). */
  o?: number[];
}

/** Splits job ids with new output into payloads under the NOTIFY size limit. */
export function encodeOutputPayloads(replica: string, jobIds: readonly number[]): string[] {
  const out: string[] = [];
  let ids: number[] = [];
  let size = 40;
  for (const id of jobIds) {
    const cost = String(id).length + 1;
    if (size + cost > PAYLOAD_LIMIT) {
      out.push(JSON.stringify({ r: replica, g: [], o: ids } satisfies Payload));
      ids = [];
      size = 40;
    }
    ids.push(id);
    size += cost;
  }
  if (ids.length > 0) out.push(JSON.stringify({ r: replica, g: [], o: ids } satisfies Payload));
  return out;
}

/** Splits changes into JSON payloads under PostgreSQL's NOTIFY size limit. */
export function encodePayloads(replica: string, changes: readonly JobChange[]): string[] {
  const out: string[] = [];
  let current: Payload = { r: replica, g: [] };
  let size = 40;
  let groups = new Map<string, number[]>();
  const emit = () => {
    if (current.g.length > 0 || current.b) out.push(JSON.stringify(current));
    current = { r: replica, g: [] };
    groups = new Map();
    size = 40;
  };
  for (const c of changes) {
    const type = TYPES.indexOf(c.type);
    const status = c.status ? JOB_STATUSES.indexOf(c.status) : -1;
    const nb = c.notBefore?.getTime();
    const cost = nb !== undefined ? 40 : String(c.jobId).length + 1;
    if (size + cost + 40 > PAYLOAD_LIMIT) emit();
    if (nb !== undefined) {
      (current.b ??= []).push([c.projectId, c.jobId, nb]);
      size += cost;
      continue;
    }
    const key = `${c.projectId}:${type}:${status}`;
    let ids = groups.get(key);
    if (!ids) {
      ids = [];
      groups.set(key, ids);
      current.g.push([c.projectId, type, status, ids]);
      size += 30;
    }
    ids.push(c.jobId);
    size += cost;
  }
  emit();
  return out;
}

/** The inverse of encodePayloads. */
export function decodePayload(payload: string): { replica: string; changes: JobChange[]; output: number[] } {
  const p = JSON.parse(payload) as Payload;
  const changes: JobChange[] = [];
  for (const [projectId, type, status, ids] of p.g) {
    const t = TYPES[type];
    if (!t) continue;
    const s: JobStatus | undefined = status >= 0 ? JOB_STATUSES[status] : undefined;
    for (const jobId of ids) changes.push(s ? { projectId, jobId, type: t, status: s } : { projectId, jobId, type: t });
  }
  for (const [projectId, jobId, nb] of p.b ?? []) changes.push({ projectId, jobId, type: "updated", status: "pending", notBefore: new Date(nb) });
  return { replica: p.r, changes, output: Array.isArray(p.o) ? p.o : [] };
}

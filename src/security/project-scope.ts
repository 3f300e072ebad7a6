import type { SqlExecutor } from "../db/executor.js";
import { selectJobProjects } from "../db/statements/jobs/select-job-projects.js";
import { selectProjectIdByName } from "../db/statements/projects/select-project-id-by-name.js";
import { selectSweep } from "../db/statements/sweeps/select-sweep.js";
import { selectTask } from "../db/statements/tasks/select-task.js";
import type { ProjectScope } from "./roles.js";

/** The projects a request touches, or "unnamed" when it names none (refused to restricted principals where a project is needed). */
export type TouchedProjects = { readonly ids: readonly number[] } | "unnamed";

type Fields = Record<string, unknown>;

const asId = (v: unknown): number | undefined => (typeof v === "bigint" && v > 0n && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined);

/** The oneof `project` of a request ({ id | name } or { projectId | projectName }). */
function projectOneof(msg: Fields): { id?: number; name?: string } | undefined {
  const oneof = msg.project as { case?: string; value?: unknown } | undefined;
  if (!oneof || typeof oneof !== "object" || !oneof.case) return undefined;
  if (oneof.case === "id" || oneof.case === "projectId") return { id: asId(oneof.value) ?? 0 };
  if (oneof.case === "name" || oneof.case === "projectName") return { name: String(oneof.value) };
  return undefined;
}

/**
 * The project of a request that names it by plain fields, project_id and/or
 * project_name (both are counted, so a request cannot hide one behind the
 * other; the service refuses both set).
 */
async function plainProject(msg: Fields, byName: (name: string) => Promise<{ ids: number[] }>): Promise<TouchedProjects> {
  const ids: number[] = [];
  const id = asId(msg.projectId);
  if (id !== undefined) ids.push(id);
  if (typeof msg.projectName === "string" && msg.projectName.trim() !== "") ids.push(...(await byName(msg.projectName.trim())).ids);
  if (ids.length > 0) return { ids };
  return id === undefined && !msg.projectName ? "unnamed" : { ids };
}

/** Every job id a request names: id, job_id, and the job_id of repeated items (StartJobs, FinishJobs). */
function jobIds(msg: Fields): number[] {
  const ids: number[] = [];
  for (const v of [msg.id, msg.jobId]) {
    const id = asId(v);
    if (id !== undefined) ids.push(id);
  }
  for (const list of [msg.starts, msg.outcomes]) {
    if (!Array.isArray(list)) continue;
    for (const item of list as Fields[]) {
      const id = asId(item.jobId);
      if (id !== undefined) ids.push(id);
    }
  }
  return ids;
}

/**
 * Resolves which projects a request acts on, reading its fields by the
 * method's scope and looking up jobs, tasks and project names with one cheap
 * statement each.
 * Ids that do not exist are left out: the service answers NotFound for them.
 */
export async function touchedProjects(scope: ProjectScope, message: unknown, sql: SqlExecutor): Promise<TouchedProjects> {
  const msg = (message ?? {}) as Fields;
  const byName = async (name: string) => ({ ids: await selectProjectIdByName(sql, name) });
  switch (scope) {
    case "project": {
      const oneof = projectOneof(msg);
      if (oneof?.name !== undefined) return byName(oneof.name);
      if (oneof?.id) return { ids: [oneof.id] };
      return plainProject(msg, byName);
    }
    case "project-self": {
      const oneof = projectOneof(msg);
      if (oneof?.name !== undefined) return byName(oneof.name);
      const id = oneof?.id ?? asId(msg.id);
      return id ? { ids: [id] } : "unnamed";
    }
    case "job": {
      const ids = jobIds(msg);
      const touched = new Set<number>();
      for (const projectId of await selectJobProjects(sql, ids)) touched.add(projectId);
      // A finish that also fetches (next) claims from the project next names: that project is touched too.
      if (msg.next && typeof msg.next === "object") {
        const oneof = projectOneof(msg.next as Fields);
        if (oneof === undefined) return "unnamed";
        for (const id of oneof.name !== undefined ? (await byName(oneof.name)).ids : [oneof.id ?? 0]) touched.add(id);
      }
      return { ids: [...touched] };
    }
    case "task": {
      const id = asId(msg.id);
      if (id !== undefined) {
        const task = await selectTask(sql, { id });
        return { ids: task ? [task.projectId] : [] };
      }
      const named = await plainProject(msg, byName);
      return named === "unnamed" ? { ids: [] } : named;
    }
    case "sweep": {
      const ref = (msg.sweep ?? {}) as Fields;
      const oneof = ref.sweep as { case?: string; value?: unknown } | undefined;
      if (oneof?.case === "id") {
        const sweep = await selectSweep(sql, { id: asId(oneof.value) ?? 0 });
        return { ids: sweep ? [sweep.projectId] : [] };
      }
      return plainProject(ref, byName);
    }
    default:
      return { ids: [] };
  }
}

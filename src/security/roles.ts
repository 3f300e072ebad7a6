import type { DescService } from "@bufbuild/protobuf";
import { IdentityService } from "../../gen/whatsnext/v1/identity_pb.js";
import { SweepService } from "../../gen/whatsnext/v1/sweep_pb.js";
import { JobService } from "../../gen/whatsnext/v1/job_pb.js";
import { KeyService } from "../../gen/whatsnext/v1/key_pb.js";
import { ProjectService } from "../../gen/whatsnext/v1/project_pb.js";
import { TaskService } from "../../gen/whatsnext/v1/task_pb.js";
import { WorkerService } from "../../gen/whatsnext/v1/worker_pb.js";
import type { RoleName } from "../domain/api-key.js";

export { ROLE_NAMES, type RoleName } from "../domain/api-key.js";

/**
 * How a method of a project-restricted principal is checked:
 * - `global`: the method touches no project's data (worker bookkeeping); allowed.
 * - `project`: the request names the project by project_id or a project oneof (id or name).
 * - `project-self`: a ProjectService method whose id/name is the project itself.
 * - `job`: the request names jobs by id / job_id (also inside repeated items); their project counts.
 * - `task`: the request names a task by id (or project_id + name); its project counts.
 * - `sweep`: the request names a sweep (SweepRef: id, or name with project_id); its project counts.
 * - `list-projects`: allowed, and the answer is cut to the principal's project.
 * - `unrestricted`: refused to restricted principals (it would reach beyond one project).
 */
export type ProjectScope = "global" | "project" | "project-self" | "job" | "task" | "sweep" | "list-projects" | "unrestricted";

/** What a method needs: the least role, and how a project restriction applies. */
export interface MethodRule {
  readonly role: RoleName;
  readonly scope: ProjectScope;
}

const rule = (role: RoleName, scope: ProjectScope): MethodRule => ({ role, scope });

/**
 * The role matrix (SECURITY.md), one explicit row per method of every
 * whatsnext.v1 service. A method missing here is admin-only (fail closed);
 * test/security/roles.test.ts fails when the descriptors have a method the
 * table lacks.
 *
 * ClearQueue is admin: it deletes jobs in bulk, and deletes belong to
 * admins only (a submitter can still cancel its jobs one by one).
 * DeactivateWorker is worker: a worker deactivates itself when it stops.
 */
export const ROLE_MATRIX: Readonly<Record<string, MethodRule>> = {
  "whatsnext.v1.ProjectService/CreateProject": rule("submitter", "unrestricted"),
  "whatsnext.v1.ProjectService/GetProject": rule("viewer", "project-self"),
  "whatsnext.v1.ProjectService/ListProjects": rule("viewer", "list-projects"),
  "whatsnext.v1.ProjectService/UpdateProject": rule("submitter", "project-self"),
  "whatsnext.v1.ProjectService/DeleteProject": rule("admin", "project-self"),

  "whatsnext.v1.TaskService/CreateTask": rule("submitter", "project"),
  "whatsnext.v1.TaskService/GetTask": rule("viewer", "task"),
  "whatsnext.v1.TaskService/ListTasks": rule("viewer", "project"),
  "whatsnext.v1.TaskService/UpdateTask": rule("submitter", "task"),
  "whatsnext.v1.TaskService/DeleteTask": rule("admin", "task"),

  "whatsnext.v1.JobService/CreateJob": rule("submitter", "project"),
  "whatsnext.v1.JobService/BatchCreateJobs": rule("submitter", "project"),
  "whatsnext.v1.JobService/GetJob": rule("viewer", "job"),
  "whatsnext.v1.JobService/ListJobs": rule("viewer", "project"),
  "whatsnext.v1.JobService/UpdateJob": rule("submitter", "job"),
  "whatsnext.v1.JobService/DeleteJob": rule("admin", "job"),
  "whatsnext.v1.JobService/RetryJob": rule("submitter", "job"),
  "whatsnext.v1.JobService/CancelJob": rule("submitter", "job"),
  "whatsnext.v1.JobService/GetJobDependencies": rule("viewer", "job"),
  "whatsnext.v1.JobService/ClearQueue": rule("admin", "project"),
  "whatsnext.v1.JobService/GetQueueStats": rule("viewer", "project"),
  "whatsnext.v1.JobService/WatchJobs": rule("viewer", "project"),
  "whatsnext.v1.JobService/ListJobAttempts": rule("viewer", "job"),
  "whatsnext.v1.JobService/GetJobOutput": rule("viewer", "job"),
  "whatsnext.v1.JobService/FollowJobOutput": rule("viewer", "job"),
  "whatsnext.v1.SweepService/CreateSweep": rule("submitter", "project"),
  "whatsnext.v1.SweepService/GetSweep": rule("viewer", "sweep"),
  "whatsnext.v1.SweepService/ListSweeps": rule("viewer", "project"),
  "whatsnext.v1.SweepService/CancelSweep": rule("submitter", "sweep"),
  "whatsnext.v1.SweepService/RetrySweep": rule("submitter", "sweep"),
  "whatsnext.v1.SweepService/ExtendSweep": rule("submitter", "sweep"),

  "whatsnext.v1.WorkerService/RegisterWorker": rule("worker", "global"),
  "whatsnext.v1.WorkerService/Heartbeat": rule("worker", "global"),
  "whatsnext.v1.WorkerService/DeactivateWorker": rule("worker", "global"),
  "whatsnext.v1.WorkerService/GetWorker": rule("viewer", "global"),
  "whatsnext.v1.WorkerService/ListWorkers": rule("viewer", "global"),
  "whatsnext.v1.WorkerService/DeleteWorker": rule("admin", "global"),
  "whatsnext.v1.WorkerService/FetchJob": rule("worker", "project"),
  "whatsnext.v1.WorkerService/StartJob": rule("worker", "job"),
  "whatsnext.v1.WorkerService/StartJobs": rule("worker", "job"),
  "whatsnext.v1.WorkerService/FinishJob": rule("worker", "job"),
  "whatsnext.v1.WorkerService/FinishJobs": rule("worker", "job"),
  "whatsnext.v1.WorkerService/ReleaseJob": rule("worker", "job"),
  "whatsnext.v1.WorkerService/AppendJobOutput": rule("worker", "job"),
  "whatsnext.v1.WorkerService/ReportSchedulerJob": rule("worker", "job"),
  // The stream's first message (open) names the project; everything after it acts on jobs claimed from it.
  "whatsnext.v1.WorkerService/Work": rule("worker", "project"),

  "whatsnext.v1.KeyService/CreateApiKey": rule("admin", "unrestricted"),
  "whatsnext.v1.KeyService/ListApiKeys": rule("admin", "unrestricted"),
  "whatsnext.v1.KeyService/RevokeApiKey": rule("admin", "unrestricted"),

  // Any valid principal (viewer is the least role) may ask who it is; it names no project.
  "whatsnext.v1.IdentityService/GetCallerIdentity": rule("viewer", "global"),
};

/** Every whatsnext.v1 service in gen/, so tests can check the matrix covers each method. */
export const WHATSNEXT_SERVICES: readonly DescService[] = [ProjectService, TaskService, JobService, WorkerService, SweepService, KeyService, IdentityService];

/** Services anyone may call, with or without credentials. */
const PUBLIC_SERVICES = new Set(["grpc.health.v1.Health"]);
/** Services any authenticated principal may call, whatever its role. */
const AUTHENTICATED_SERVICES = new Set(["grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"]);
/**
 * Of those, the ones a caller with no credentials at all may call too, and
 * sees only the public services through (reflection: Health, for `buf curl`).
 * A wrong credential is still refused.
 */
export const PUBLIC_VIEW_SERVICES: ReadonlySet<string> = new Set(["grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"]);

/** What a call needs before it may run. */
export type Requirement = { readonly kind: "public" } | { readonly kind: "authenticated" } | { readonly kind: "role"; readonly rule: MethodRule };

/** The requirement of a method, by its service's type name and the method's proto name. Unknown methods need admin. */
export function requiredRole(serviceTypeName: string, methodName: string): Requirement {
  if (PUBLIC_SERVICES.has(serviceTypeName)) return { kind: "public" };
  if (AUTHENTICATED_SERVICES.has(serviceTypeName)) return { kind: "authenticated" };
  return { kind: "role", rule: ROLE_MATRIX[`${serviceTypeName}/${methodName}`] ?? rule("admin", "unrestricted") };
}

/**
 * Whether a role may do what `needed` allows. Worker and submitter are
 * siblings above viewer (proto Role): neither includes the other.
 */
export function roleSatisfies(held: RoleName, needed: RoleName): boolean {
  return held === "admin" || held === needed || needed === "viewer";
}

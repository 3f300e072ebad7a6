export * from "./project.js";
export * from "./task.js";
export * from "./job.js";
export * from "./worker.js";
export * from "./api-key.js";

import { ApiKeySchema } from "./api-key.js";
import { JobDependencySchema, JobSchema } from "./job.js";
import { ProjectSchema } from "./project.js";
import { TaskSchema } from "./task.js";
import { WorkerSchema } from "./worker.js";

/** Every entity the ORM knows. */
export const entities = [ProjectSchema, TaskSchema, JobSchema, JobDependencySchema, WorkerSchema, ApiKeySchema];

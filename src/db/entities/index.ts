import { ApiKeySchema } from "./api-key.js";
import { JobAttemptSchema, JobDependencySchema, JobOutputSchema, JobSchema } from "./job.js";
import { ProjectSchema } from "./project.js";
import { SweepSchema } from "./sweep.js";
import { TaskSchema } from "./task.js";
import { WorkerSchema } from "./worker.js";

/** Every table, as MikroORM entities: the schema's source, read by the migrator and test/schema.test.ts. */
export const entities = [ProjectSchema, TaskSchema, SweepSchema, JobSchema, JobDependencySchema, JobAttemptSchema, JobOutputSchema, WorkerSchema, ApiKeySchema];

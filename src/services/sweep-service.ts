import { create, toJson, type JsonObject } from "@bufbuild/protobuf";
import { ListValueSchema, ValueSchema } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  SweepSchema as SweepMessageSchema,
  type Sweep as SweepMessage,
  type SweepRef as SweepRefMessage,
  type SweepService,
  type SweepSpec as SweepSpecMessage,
  ListSweepsRequestSchema,
} from "../../gen/whatsnext/v1/sweep_pb.js";
import type { SqlExecutor } from "../db/executor.js";
import type { SweepRef } from "../domain/catalog.js";
import { InvalidArgumentError } from "../domain/errors.js";
import type { QueueEvents } from "../queue/events/queue-events.js";
import type { ParameterSet, ParameterValue, RandomParameter, SweepSpec } from "../queue/sweep-expansion.js";
import * as sweeps from "../queue/sweeps.js";
import type { App } from "../server/app.js";
import { timestamp } from "./convert.js";
import { sweepSpecToProto } from "./sweep-spec-convert.js";
import { afterId, cutPage, requirePage } from "./page-token.js";
import { requireProjectId } from "./project-ref.js";
import { LIMITS, requireId, requireIntInRange, requireName, requireText } from "./validation.js";

const INT32_MAX = 2_147_483_647;

/** A sweep reference: an id, or a name with its project (project_id or project_name). */
async function requireSweepRef(db: SqlExecutor, ref: SweepRefMessage | undefined): Promise<SweepRef> {
  switch (ref?.sweep.case) {
    case "id":
      return { id: requireId("sweep.id", ref.sweep.value) };
    case "name":
      return { projectId: await requireProjectId(db, ref, "sweep."), name: requireName("sweep.name", ref.sweep.value) };
    default:
      throw new InvalidArgumentError("sweep", "must be given by id, or by name with project_id or project_name");
  }
}

function parameterObject(field: string, value: JsonObject | undefined): ParameterSet {
  const set = (value ?? {}) as ParameterSet;
  const bytes = Buffer.byteLength(JSON.stringify(set), "utf8");
  if (bytes > LIMITS.parametersBytes) throw new InvalidArgumentError(field, `must be at most ${LIMITS.parametersBytes} bytes as JSON, got ${bytes}`);
  return set;
}

/** The domain's spec of a wire spec, checked field by field (expansion checks the rest). */
export function specFromProto(spec: SweepSpecMessage | undefined, field = "spec"): SweepSpec {
  if (!spec) throw new InvalidArgumentError(field, "is required: give grid, list or random");
  const base = parameterObject(`${field}.base_parameters`, spec.baseParameters);
  switch (spec.kind.case) {
    case "grid":
      return {
        kind: "grid",
        base,
        axes: spec.kind.value.axes.map((a, i) => ({
          name: requireName(`${field}.grid.axes[${i}].name`, a.name),
          values: a.values.map((v) => toJson(ValueSchema, v) as ParameterValue),
        })),
      };
    case "list":
      return { kind: "list", base, sets: spec.kind.value.parameterSets.map((s, i) => parameterObject(`${field}.list.parameter_sets[${i}]`, s)) };
    case "random": {
      const r = spec.kind.value;
      const parameters = r.parameters.map((p, i): RandomParameter => {
        const name = requireName(`${field}.random.parameters[${i}].name`, p.name);
        const d = p.distribution;
        switch (d.case) {
          case "uniform":
          case "logUniform":
          case "intUniform":
            return { name, distribution: d.case === "logUniform" ? "log_uniform" : d.case === "intUniform" ? "int_uniform" : "uniform", low: d.value.low, high: d.value.high };
          case "choice":
            return { name, distribution: "choice", values: toJson(ListValueSchema, d.value) as ParameterValue[] };
          default:
            throw new InvalidArgumentError(`${field}.random.parameters[${i}]`, `needs a distribution for ${JSON.stringify(name)}: uniform, log_uniform, int_uniform or choice`);
        }
      });
      return { kind: "random", base, seed: r.seed.toString(), count: requireIntInRange(`${field}.random.count`, r.count, 1, INT32_MAX), parameters };
    }
    default:
      throw new InvalidArgumentError(field, "must be a grid, a list or a random spec");
  }
}

/** The wire Sweep of a sweep and where its jobs stand. */
export function sweepToProto({ sweep, standing }: sweeps.SweepWithStanding): SweepMessage {
  const c = standing.byStatus;
  const ended = c.completed + c.failed + c.cancelled;
  return create(SweepMessageSchema, {
    id: BigInt(sweep.id),
    projectId: BigInt(sweep.projectId),
    taskId: BigInt(sweep.taskId),
    taskName: sweep.taskName,
    name: sweep.name,
    spec: sweepSpecToProto(sweep.spec as unknown as SweepSpec),
    priority: sweep.priority,
    maxAttempts: sweep.maxAttempts,
    createTime: timestamp(sweep.createdAt),
    counts: {
      pending: BigInt(c.pending),
      queued: BigInt(c.queued),
      running: BigInt(c.running),
      completed: BigInt(c.completed),
      failed: BigInt(c.failed),
      blocked: BigInt(c.blocked),
      cancelled: BigInt(c.cancelled),
      total: BigInt(standing.total),
    },
    progress: standing.total === 0 ? 0 : ended / standing.total,
    firstFinishTime: timestamp(standing.firstFinishedAt),
    lastFinishTime: timestamp(standing.lastFinishedAt),
  });
}

/** SweepService: decodes and validates, calls src/queue/sweeps.ts, encodes. */
export function createSweepService(app: App, events: QueueEvents): ServiceImpl<typeof SweepService> {
  const db = app.db.sql;
  return {
    async createSweep(req) {
      const projectId = await requireProjectId(db, req);
      let task: { id: number } | { name: string };
      if (req.task.case === "taskId") task = { id: requireId("task_id", req.task.value) };
      else if (req.task.case === "taskName") task = { name: requireName("task_name", req.task.value) };
      else throw new InvalidArgumentError("task", "is required: give task_id or task_name");
      const r = await sweeps.createSweep(db, events, projectId, {
        task,
        name: requireName("name", req.name),
        spec: specFromProto(req.spec),
        priority: requireIntInRange("priority", req.priority, -INT32_MAX - 1, INT32_MAX),
        maxAttempts: req.maxAttempts === 0 ? 1 : requireIntInRange("max_attempts", req.maxAttempts, 1, LIMITS.maxAttempts),
      });
      return { sweep: sweepToProto(r), existing: r.existing, createdJobs: BigInt(r.createdJobs) };
    },

    async getSweep(req) {
      return { sweep: sweepToProto(await sweeps.getSweep(db, await requireSweepRef(db, req.sweep))) };
    },

    async listSweeps(req) {
      const page = requirePage(ListSweepsRequestSchema, req);
      const rows = await sweeps.listSweeps(db, { projectId: await requireProjectId(db, req), afterId: afterId(page.after), limit: page.limit });
      const { items, nextPageToken } = cutPage(rows, page, (s) => String(s.sweep.id));
      return { sweeps: items.map(sweepToProto), nextPageToken };
    },

    async cancelSweep(req) {
      const r = await sweeps.cancelSweep(db, events, await requireSweepRef(db, req.sweep), requireText("reason", req.reason, LIMITS.messageLength));
      return { sweep: sweepToProto(r), cancelledJobIds: r.cancelled.map((id) => BigInt(id)) };
    },

    async retrySweep(req) {
      const r = await sweeps.retrySweep(db, events, await requireSweepRef(db, req.sweep));
      return { sweep: sweepToProto(r), retriedJobIds: r.retried.map((id) => BigInt(id)), skippedJobIds: r.skipped.map((id) => BigInt(id)) };
    },

    async extendSweep(req) {
      const r = await sweeps.extendSweep(db, events, await requireSweepRef(db, req.sweep), specFromProto(req.spec));
      return { sweep: sweepToProto(r), createdJobs: BigInt(r.createdJobs), skippedDuplicates: BigInt(r.skippedDuplicates) };
    },
  };
}

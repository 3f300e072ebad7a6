import type { ServiceImpl } from "@connectrpc/connect";
import type { TaskService } from "../../gen/whatsnext/v1/task_pb.js";
import { ListTasksRequestSchema } from "../../gen/whatsnext/v1/task_pb.js";
import type { SqlExecutor } from "../db/executor.js";
import * as tasks from "../queue/tasks.js";
import { taskToProto } from "./convert.js";
import { requireProjectId } from "./project-ref.js";
import { afterId, cutPage, requirePage } from "./page-token.js";
import { LIMITS, requireDurationSeconds, requireId, requireIntInRange, requireName, requireText } from "./validation.js";

const requireResource = (field: string, value: number) => requireIntInRange(field, value, 0, LIMITS.requiredResourceMax);

/** TaskService: decodes and validates, calls src/queue/tasks.ts, encodes. */
export const taskService = (sql: SqlExecutor): ServiceImpl<typeof TaskService> => ({
  async createTask(req) {
    const task = await tasks.createTask(sql, await requireProjectId(sql, req), {
      name: requireName("name", req.name),
      commandTemplate: requireText("command_template", req.commandTemplate, LIMITS.commandTemplateLength),
      requiredCpu: requireResource("required_cpu", req.requiredCpu),
      requiredAccelerators: requireResource("required_accelerators", req.requiredAccelerators),
      expectedSeconds: requireDurationSeconds("expected_duration", req.expectedDuration),
    });
    return { task: taskToProto(task) };
  },

  async getTask(req) {
    const ref =
      req.id !== 0n ? { id: requireId("id", req.id) } : { projectId: await requireProjectId(sql, req), name: requireName("name", req.name) };
    return { task: taskToProto(await tasks.getTask(sql, ref)) };
  },

  async listTasks(req) {
    const page = requirePage(ListTasksRequestSchema, req);
    const rows = await tasks.listTasks(sql, {
      projectId: await requireProjectId(sql, req),
      afterId: afterId(page.after),
      limit: page.limit,
    });
    const { items, nextPageToken } = cutPage(rows, page, (t) => String(t.id));
    return { tasks: items.map(taskToProto), nextPageToken };
  },

  async updateTask(req) {
    const task = await tasks.updateTask(sql, requireId("id", req.id), {
      name: req.name === undefined ? undefined : requireName("name", req.name),
      commandTemplate: req.commandTemplate === undefined ? undefined : requireText("command_template", req.commandTemplate, LIMITS.commandTemplateLength),
      requiredCpu: req.requiredCpu === undefined ? undefined : requireResource("required_cpu", req.requiredCpu),
      requiredAccelerators: req.requiredAccelerators === undefined ? undefined : requireResource("required_accelerators", req.requiredAccelerators),
      // A zero duration clears it; unset leaves it.
      expectedSeconds: req.expectedDuration === undefined ? undefined : requireDurationSeconds("expected_duration", req.expectedDuration, true) || null,
    });
    return { task: taskToProto(task) };
  },

  async deleteTask(req) {
    await tasks.deleteTask(sql, requireId("id", req.id));
    return {};
  },
});

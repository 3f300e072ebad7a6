import type { ServiceImpl } from "@connectrpc/connect";
import type { ProjectService } from "../../gen/whatsnext/v1/project_pb.js";
import { ListProjectsRequestSchema } from "../../gen/whatsnext/v1/project_pb.js";
import type { SqlExecutor } from "../db/executor.js";
import type { ProjectRef } from "../domain/catalog.js";
import { InvalidArgumentError } from "../domain/errors.js";
import * as projects from "../queue/projects.js";
import { projectStatusFromProto, projectToProto } from "./convert.js";
import { afterId, cutPage, requirePage } from "./page-token.js";
import { LIMITS, requireId, requireName, requireText } from "./validation.js";

/** A project reference from a oneof of id and name; refuses an empty one. */
export function projectRef(field: { case: "id"; value: bigint } | { case: "name"; value: string } | { case: undefined; value?: undefined }): ProjectRef {
  switch (field.case) {
    case "id":
      return { id: requireId("id", field.value) };
    case "name":
      return { name: requireName("name", field.value) };
    default:
      throw new InvalidArgumentError("project", "must be given by id or by name");
  }
}

/** ProjectService: decodes and validates, calls src/queue/projects.ts, encodes. */
export const projectService = (sql: SqlExecutor): ServiceImpl<typeof ProjectService> => ({
  async createProject(req) {
    const project = await projects.createProject(sql, {
      name: requireName("name", req.name),
      description: requireText("description", req.description, LIMITS.descriptionLength),
    });
    return { project: projectToProto(project) };
  },

  async getProject(req) {
    return { project: projectToProto(await projects.getProject(sql, projectRef(req.project))) };
  },

  async listProjects(req) {
    const page = requirePage(ListProjectsRequestSchema, req);
    const rows = await projects.listProjects(sql, {
      includeArchived: req.includeArchived,
      afterId: afterId(page.after),
      limit: page.limit,
    });
    const { items, nextPageToken } = cutPage(rows, page, (p) => String(p.id));
    return { projects: items.map(projectToProto), nextPageToken };
  },

  async updateProject(req) {
    const project = await projects.updateProject(sql, requireId("id", req.id), {
      name: req.name === undefined ? undefined : requireName("name", req.name),
      description: req.description === undefined ? undefined : requireText("description", req.description, LIMITS.descriptionLength),
      status: req.status === undefined ? undefined : projectStatusFromProto(req.status),
    });
    return { project: projectToProto(project) };
  },

  async deleteProject(req) {
    await projects.deleteProject(sql, projectRef(req.project));
    return {};
  },
});

import type { ServiceImpl } from "@connectrpc/connect";
import type { ProjectService } from "../../gen/whatsnext/v1/project_pb.js";
import * as projects from "../queue/projects.js";
import { InvalidArgumentError } from "../queue/errors.js";
import { projectStatusFromProto, projectToProto } from "./convert.js";
import { entityManager } from "./request-context.js";
import { cutPage, LIMITS, requireId, requireName, requirePage, requireText } from "./validation.js";

/** A project reference from a oneof of id and name; refuses an empty one. */
export function projectRef(field: { case: "id"; value: bigint } | { case: "name"; value: string } | { case: undefined; value?: undefined }): projects.ProjectRef {
  switch (field.case) {
    case "id":
      return { id: requireId("id", field.value) };
    case "name":
      return { name: requireName("name", field.value) };
    default:
      throw new InvalidArgumentError("project", "must be given by id or by name");
  }
}

/** Parses an id cursor from a page token. */
export function afterId(after: string | undefined): number {
  if (after === undefined) return 0;
  const id = Number(after);
  if (!Number.isSafeInteger(id) || id < 0) throw new InvalidArgumentError("page_token", "is not a token this server issued");
  return id;
}

export const projectService: ServiceImpl<typeof ProjectService> = {
  async createProject(req, ctx) {
    const project = await projects.createProject(entityManager(ctx), {
      name: requireName("name", req.name),
      description: requireText("description", req.description, LIMITS.descriptionLength),
    });
    return { project: projectToProto(project) };
  },

  async getProject(req, ctx) {
    return { project: projectToProto(await projects.getProject(entityManager(ctx), projectRef(req.project))) };
  },

  async listProjects(req, ctx) {
    const page = requirePage(req.pageSize, req.pageToken);
    const rows = await projects.listProjects(entityManager(ctx), {
      includeArchived: req.includeArchived,
      afterId: afterId(page.after),
      limit: page.limit,
    });
    const { items, nextPageToken } = cutPage(rows, page.limit, (p) => String(p.id));
    return { projects: items.map(projectToProto), nextPageToken };
  },

  async updateProject(req, ctx) {
    const project = await projects.updateProject(entityManager(ctx), requireId("id", req.id), {
      name: req.name === undefined ? undefined : requireName("name", req.name),
      description: req.description === undefined ? undefined : requireText("description", req.description, LIMITS.descriptionLength),
      status: req.status === undefined ? undefined : projectStatusFromProto(req.status),
    });
    return { project: projectToProto(project) };
  },

  async deleteProject(req, ctx) {
    await projects.deleteProject(entityManager(ctx), projectRef(req.project));
    return {};
  },
};

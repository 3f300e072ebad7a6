/**
 * Projects are named by people and numbered by the server; commands and
 * workers accept either, so one place decides how "42" and "sweep" resolve.
 */
import type { Project } from "../../gen/whatsnext/v1/project_pb.js";
import type { WhatsNextClient } from "./connect.js";

/**
 * Finds a project by name, or by id when the text is a positive integer and
 * no project has that name. Rejects with the server's NotFound otherwise.
 */
export async function findProject(client: WhatsNextClient, ref: string): Promise<Project> {
  if (/^[1-9][0-9]*$/.test(ref)) {
    try {
      const byName = await client.projects.getProject({ project: { case: "name", value: ref } });
      if (byName.project) return byName.project;
    } catch {
      // not a name: fall through to the id
    }
    const { project } = await client.projects.getProject({ project: { case: "id", value: BigInt(ref) } });
    return project!;
  }
  const { project } = await client.projects.getProject({ project: { case: "name", value: ref } });
  return project!;
}

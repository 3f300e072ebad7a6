import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code } from "@connectrpc/connect";
import { ProjectStatus } from "../gen/whatsnext/v1/common_pb.js";
import { ProjectService } from "../gen/whatsnext/v1/project_pb.js";
import { TaskService } from "../gen/whatsnext/v1/task_pb.js";
import { rejectsWith } from "./support/assertions.js";
import { PROTOCOLS, startTestServer, type TestServer } from "./support/test-server.js";

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(async () => {
  await t?.close();
});

for (const protocol of PROTOCOLS) {
  describe(`projects and tasks over ${protocol}`, () => {
    const name = (s: string) => `${s}-${protocol}`;

    it("creates, gets by id and by name, and refuses duplicates", async () => {
      const projects = t.client(ProjectService, protocol);
      const { project } = await projects.createProject({ name: name("alpha"), description: "first" });
      assert.ok(project);
      assert.equal(project.name, name("alpha"));
      assert.equal(project.status, ProjectStatus.ACTIVE);
      const byId = await projects.getProject({ project: { case: "id", value: project.id } });
      assert.equal(byId.project?.description, "first");
      const byName = await projects.getProject({ project: { case: "name", value: name("alpha") } });
      assert.equal(byName.project?.id, project.id);
      await rejectsWith(projects.createProject({ name: name("alpha") }), Code.AlreadyExists, /alpha/);
    });

    it("answers NotFound and InvalidArgument naming what was wrong", async () => {
      const projects = t.client(ProjectService, protocol);
      await rejectsWith(projects.getProject({ project: { case: "name", value: name("missing") } }), Code.NotFound, /missing/);
      await rejectsWith(projects.getProject({ project: { case: "id", value: 987654n } }), Code.NotFound, /987654/);
      await rejectsWith(projects.getProject({}), Code.InvalidArgument, /by id or by name/);
      await rejectsWith(projects.createProject({ name: "  " }), Code.InvalidArgument, /^name must not be empty/);
      await rejectsWith(projects.createProject({ name: "x".repeat(10_000) }), Code.InvalidArgument, /name must be at most 128/);
      await rejectsWith(projects.listProjects({ pageSize: 100_000 }), Code.InvalidArgument, /page_size must be between 1 and 1000, got 100000/);
      await rejectsWith(projects.listProjects({ pageToken: "garbage" }), Code.InvalidArgument, /page_token/);
      await rejectsWith(projects.updateProject({ id: 0n, name: "x" }), Code.InvalidArgument, /^id must be a positive id/);
    });

    it("pages through projects and hides archived ones unless asked", async () => {
      const projects = t.client(ProjectService, protocol);
      const ids: bigint[] = [];
      for (let i = 0; i < 5; i++) ids.push((await projects.createProject({ name: name(`page-${i}`) })).project!.id);
      await projects.updateProject({ id: ids[2]!, status: ProjectStatus.ARCHIVED });
      const seen: bigint[] = [];
      let pageToken = "";
      do {
        const page = await projects.listProjects({ pageSize: 2, pageToken });
        assert.ok(page.projects.length <= 2);
        seen.push(...page.projects.map((p) => p.id));
        pageToken = page.nextPageToken;
      } while (pageToken);
      for (const id of ids) assert.equal(seen.includes(id), id !== ids[2], `project ${id} listed`);
      const all = await projects.listProjects({ includeArchived: true, pageSize: 1000 });
      assert.ok(all.projects.some((p) => p.id === ids[2]));
    });

    it("updates a project and refuses a taken name", async () => {
      const projects = t.client(ProjectService, protocol);
      const a = (await projects.createProject({ name: name("upd-a") })).project!;
      await projects.createProject({ name: name("upd-b") });
      const renamed = await projects.updateProject({ id: a.id, name: name("upd-c"), description: "changed" });
      assert.equal(renamed.project?.name, name("upd-c"));
      assert.equal(renamed.project?.description, "changed");
      await rejectsWith(projects.updateProject({ id: a.id, name: name("upd-b") }), Code.AlreadyExists);
      await rejectsWith(projects.updateProject({ id: a.id, status: ProjectStatus.UNSPECIFIED }), Code.InvalidArgument, /status/);
    });

    it("manages tasks and cascades a project delete", async () => {
      const projects = t.client(ProjectService, protocol);
      const tasks = t.client(TaskService, protocol);
      const p = (await projects.createProject({ name: name("tasks") })).project!;
      const { task } = await tasks.createTask({ projectId: p.id, name: "train", commandTemplate: "python train.py --lr {lr}", requiredCpu: 2, requiredAccelerators: 1 });
      assert.equal(task?.requiredCpu, 2);
      await rejectsWith(tasks.createTask({ projectId: p.id, name: "train" }), Code.AlreadyExists, /train/);
      await rejectsWith(tasks.createTask({ projectId: p.id, name: "neg", requiredCpu: -1 }), Code.InvalidArgument, /required_cpu/);
      await rejectsWith(tasks.createTask({ projectId: 999999n, name: "x" }), Code.NotFound, /project 999999/);
      const byName = await tasks.getTask({ projectId: p.id, name: "train" });
      assert.equal(byName.task?.id, task!.id);
      const updated = await tasks.updateTask({ id: task!.id, requiredCpu: 4, commandTemplate: "echo {x}" });
      assert.equal(updated.task?.requiredCpu, 4);
      assert.equal(updated.task?.requiredAccelerators, 1);
      await tasks.createTask({ projectId: p.id, name: "eval" });
      const listed = await tasks.listTasks({ projectId: p.id, pageSize: 1 });
      assert.equal(listed.tasks.length, 1);
      assert.notEqual(listed.nextPageToken, "");
      const rest = await tasks.listTasks({ projectId: p.id, pageSize: 1, pageToken: listed.nextPageToken });
      assert.equal(rest.tasks[0]?.name, "eval");
      assert.equal(rest.nextPageToken, "");
      await projects.deleteProject({ project: { case: "name", value: name("tasks") } });
      await rejectsWith(tasks.getTask({ id: task!.id }), Code.NotFound);
      await rejectsWith(projects.deleteProject({ project: { case: "id", value: p.id } }), Code.NotFound);
    });
  });
}

/**
 * `whatsnext projects ls|show|create|archive|delete`: the namespaces that own
 * tasks and queues.
 */
import type { Command } from "commander";
import { ProjectStatus } from "../../gen/whatsnext/v1/common_pb.js";
import { ProjectSchema, type Project } from "../../gen/whatsnext/v1/project_pb.js";
import { findProject } from "../client/project-ref.js";
import type { CliContext } from "./cli-context.js";
import { confirmDestructive } from "./confirm.js";
import { formatTime, messageJson, projectStatusName } from "./human-format.js";
import { renderFields, renderTable } from "./table.js";
import { allPages } from "../client/all-pages.js";

/** Adds the `projects` command group. */
export function registerProjectsCommands(program: Command, ctx: CliContext): void {
  const projects = program.command("projects").alias("project").description("list, show, create, archive and delete projects");

  projects
    .command("ls")
    .alias("list")
    .description("list projects")
    .option("-a, --all", "include archived projects")
    .action(async (opts: { all?: boolean }) => {
      const all: Project[] = await allPages(
        (pageToken, pageSize) => ctx.client.projects.listProjects({ includeArchived: Boolean(opts.all), pageSize, pageToken }),
        (page) => page.projects,
      );
      ctx.print(
        all.map((p) => messageJson(ProjectSchema, p)),
        () =>
          renderTable(
            ["ID", "NAME", "STATUS", "CREATED", "DESCRIPTION"],
            all.map((p) => [p.id, p.name, projectStatusName(p.status), formatTime(p.createTime), p.description]),
            "no projects yet: whatsnext projects create NAME",
          ),
      );
    });

  projects
    .command("show")
    .description("show one project")
    .argument("[project]", "name or id (default: the current project)")
    .action(async (ref: string | undefined) => {
      const project = ref ? await findProject(ctx.client, ref) : await ctx.currentProject();
      printProject(ctx, project);
    });

  projects
    .command("create")
    .description("create a project")
    .argument("<name>", "1 to 128 characters, unique")
    .option("-d, --description <text>", "what the project is for", "")
    .action(async (name: string, opts: { description: string }) => {
      const { project } = await ctx.client.projects.createProject({ name, description: opts.description });
      printProject(ctx, project!);
    });

  projects
    .command("archive")
    .description("archive a project: hidden from listings and closed to new jobs")
    .argument("<project>", "name or id")
    .option("--undo", "make an archived project active again")
    .action(async (ref: string, opts: { undo?: boolean }) => {
      const found = await findProject(ctx.client, ref);
      const status = opts.undo ? ProjectStatus.ACTIVE : ProjectStatus.ARCHIVED;
      const { project } = await ctx.client.projects.updateProject({ id: found.id, status });
      printProject(ctx, project!);
    });

  projects
    .command("delete")
    .alias("rm")
    .description("delete a project with all its tasks and jobs")
    .argument("<project>", "name or id")
    .option("-y, --yes", "do not ask for confirmation")
    .action(async (ref: string, opts: { yes?: boolean }) => {
      const found = await findProject(ctx.client, ref);
      await confirmDestructive(`Delete project "${found.name}" with all its tasks and jobs?`, opts.yes);
      await ctx.client.projects.deleteProject({ project: { case: "id", value: found.id } });
      ctx.print({ deleted: messageJson(ProjectSchema, found) }, () => `deleted project ${found.name} (id ${found.id})`);
    });
}

function printProject(ctx: CliContext, p: Project): void {
  ctx.print(messageJson(ProjectSchema, p), () =>
    renderFields([
      ["id", p.id],
      ["name", p.name],
      ["status", projectStatusName(p.status)],
      ["description", p.description],
      ["created", formatTime(p.createTime)],
      ["updated", formatTime(p.updateTime)],
    ]),
  );
}

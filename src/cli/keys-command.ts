/**
 * `whatsnext keys create|ls|revoke`: API keys managed at runtime (admins
 * only). The secret is printed once, by create.
 */
import type { Command } from "commander";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ApiKeySchema, type ApiKey } from "../../gen/whatsnext/v1/key_pb.js";
import { findProject } from "../client/project-ref.js";
import type { CliContext } from "./cli-context.js";
import { parseId } from "./flag-values.js";
import { formatTime, messageJson, parseRole, roleName } from "./human-format.js";
import { renderTable } from "./table.js";
import { UsageError } from "./usage-error.js";
import { allPages } from "../client/all-pages.js";

/** Adds the `keys` command group. */
export function registerKeysCommands(program: Command, ctx: CliContext): void {
  const keys = program.command("keys").alias("key").description("create, list and revoke API keys (admin)");

  keys
    .command("create")
    .description("create an API key; its secret is shown once")
    .argument("<name>", "a name to recognise the key by")
    .option("-r, --role <role>", "viewer, worker, submitter or admin", "submitter")
    .option("--for-project <project>", "limit the key to one project (name or id)")
    .option("--expires <when>", "expiry: an ISO date/time, or a duration such as 30d, 12h")
    .action(async (name: string, opts: { role: string; forProject?: string; expires?: string }) => {
      const role = parseRole(opts.role);
      const expire = opts.expires ? parseExpiry(opts.expires) : undefined;
      const projectId = opts.forProject ? (await findProject(ctx.client, opts.forProject)).id : 0n;
      const res = await ctx.client.keys.createApiKey({ name, role, projectId, expireTime: expire ? timestampFromDate(expire) : undefined });
      ctx.print({ key: messageJson(ApiKeySchema, res.key!), secret: res.secret }, () =>
        `created key ${name} (${roleName(res.key!.role)}); its secret, shown only now:\n${res.secret}`,
      );
    });

  keys
    .command("ls")
    .alias("list")
    .description("list API keys")
    .option("-a, --all", "include revoked keys")
    .action(async (opts: { all?: boolean }) => {
      const all: ApiKey[] = await allPages(
        (pageToken, pageSize) => ctx.client.keys.listApiKeys({ includeRevoked: Boolean(opts.all), pageSize, pageToken }),
        (page) => page.keys,
      );
      ctx.print(
        all.map((k) => messageJson(ApiKeySchema, k)),
        () =>
          renderTable(
            ["ID", "NAME", "ROLE", "PREFIX", "PROJECT", "CREATED", "LAST USED", "EXPIRES", "REVOKED"],
            all.map((k) => [k.id, k.name, roleName(k.role), k.prefix, k.projectId === 0n ? "" : k.projectId, formatTime(k.createTime), formatTime(k.lastUsedTime), formatTime(k.expireTime), formatTime(k.revokeTime)]),
            "no keys",
          ),
      );
    });

  keys
    .command("revoke")
    .description("revoke an API key (by name, or by id with --id)")
    .argument("<key>", "key name (or id with --id)")
    .option("--id", "the argument is the key's id")
    .action(async (ref: string, opts: { id?: boolean }) => {
      const key = opts.id ? { case: "id" as const, value: parseId("key id")(ref) } : { case: "name" as const, value: ref };
      const res = await ctx.client.keys.revokeApiKey({ key });
      ctx.print(messageJson(ApiKeySchema, res.key!), () => `revoked key ${res.key!.name} (id ${res.key!.id})`);
    });
}

/** `30d`, `12h`, `90m` from now, or an absolute date; a usage error otherwise. */
export function parseExpiry(text: string, now: Date = new Date()): Date {
  const m = /^(\d+)([dhm])$/.exec(text.trim());
  if (m) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as "d" | "h" | "m"];
    return new Date(now.getTime() + Number(m[1]) * unit);
  }
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new UsageError(`--expires must be a date such as 2030-01-31 or a duration such as 30d, got ${JSON.stringify(text)}`);
  return date;
}

/**
 * The `whatsnext` / `wnxt` command: global flags, every subcommand, and the
 * exit codes scripts rely on (0 ok, 1 failure, 2 bad call; see exit-codes.ts).
 */
import { Command, Option } from "commander";
import { CliContext } from "./cli-context.js";
import { reportError } from "./exit-codes.js";
import { registerInitCommand } from "./init-command.js";
import { registerJobsCommands } from "./jobs-command.js";
import { registerKeysCommands } from "./keys-command.js";
import { registerProjectsCommands } from "./projects-command.js";
import { registerQueueCommands } from "./queue-command.js";
import { registerStatusCommand } from "./status-command.js";
import { registerSweepCommands } from "./sweep-command.js";
import { registerTasksCommands } from "./tasks-command.js";
import { registerWorkerCommand } from "./worker-command.js";
import { registerWorkersCommands } from "./workers-command.js";

const program = new Command()
  .name("whatsnext")
  .description("WhatsNext: a job queue for experiment sweeps and batch work")
  .version("0.1.0")
  .option("--server <url>", "server URL, e.g. http://127.0.0.1:50051 or https://… (env WHATSNEXT_SERVER)")
  .option("-p, --project <name>", "project name or id (env WHATSNEXT_PROJECT)")
  .option("--api-key <key>", "API key sent as a bearer token (env WHATSNEXT_API_KEY)")
  .option("--api-key-file <file>", "file holding the API key (env WHATSNEXT_API_KEY_FILE)")
  .option("--tls-ca <file>", "PEM CA bundle that signed the server's certificate (env WHATSNEXT_CA_FILE)")
  .option("--tls-cert <file>", "PEM client certificate for mTLS (env WHATSNEXT_CLIENT_CERT_FILE)")
  .option("--tls-key <file>", "PEM key of the client certificate (env WHATSNEXT_CLIENT_KEY_FILE)")
  .option("-c, --config <file>", "configuration file to use instead of searching for .whatsnext (env WHATSNEXT_CONFIG)")
  .option("--json", "print JSON for scripts instead of tables")
  .addOption(new Option("--no-color").hideHelp())
  .showHelpAfterError("(add --help for usage)")
  .exitOverride();

const ctx = new CliContext(program);
/** Set by `serve`, which runs until a signal; every other command exits when its action is done. */
let keepRunning = false;

program
  .command("serve")
  .description("run the server (configured by environment variables; see the README)")
  .action(async () => {
    keepRunning = true;
    // Loaded only here: the server's dependencies (ORM, database) would slow every other command.
    const { serve } = await import("./serve.js");
    await serve();
  });
registerInitCommand(program, ctx);
registerStatusCommand(program, ctx);
registerProjectsCommands(program, ctx);
registerTasksCommands(program, ctx);
registerJobsCommands(program, ctx);
registerSweepCommands(program, ctx);
registerQueueCommands(program, ctx);
registerWorkersCommands(program, ctx);
registerKeysCommands(program, ctx);
registerWorkerCommand(program, ctx);

let code = 0;
try {
  await program.parseAsync(process.argv);
  code = typeof process.exitCode === "number" ? process.exitCode : 0;
} catch (err) {
  let server: string | undefined;
  try {
    server = ctx.settings.server;
  } catch {
    server = undefined;
  }
  code = reportError(err, server);
} finally {
  ctx.close();
}
if (!keepRunning || code !== 0) process.exit(code);

/**
 * `whatsnext init`: writes a `.whatsnext` file in the current folder, asking
 * on a terminal, or straight from the flags with --force (for scripts).
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { stringify } from "yaml";
import { parseServerUrl } from "../client/connect.js";
import { configPathIn, DEFAULT_SERVER, settingsFromEnvironment, type ConfigFile } from "../client/config-file.js";
import type { CliContext } from "./cli-context.js";
import { UsageError } from "./usage-error.js";

/** Commented settings appended to every new file, so the worker options are discoverable where they are set. */
const WORKER_TEMPLATE = `
# Settings of \`whatsnext worker\` (flags override them):
# worker:
#   name: gpu-box-1          # shown in \`whatsnext workers ls\`
#   cpus: 8                  # CPUs jobs may use together (default: all)
#   accelerators: auto       # a count, a list of GPU indices ("0,2"), or auto (nvidia-smi)
#   parallel: 4              # at most this many jobs at once (default: cpus)
#   grace_seconds: 30        # on SIGTERM, how long running jobs may finish before being released
# formatter:
#   kind: cli                # cli (local processes), slurm (sbatch) or runai
#   # slurm: partition, time, mem, gpus, extra_args; runai: project, image, gpu
`;

/** Adds `init`. */
export function registerInitCommand(program: Command, ctx: CliContext): void {
  program
    .command("init")
    .description("write a .whatsnext configuration file in the current folder (interactive, or from the flags with --force)")
    .option("-f, --force", "write from the flags without asking, replacing an existing file")
    .action(async (opts: { force?: boolean }) => {
      const flags = ctx.flags;
      const env = settingsFromEnvironment();
      const path = flags.config ? resolve(flags.config) : configPathIn(process.cwd());
      if (existsSync(path) && !opts.force) throw new UsageError(`${path} exists; pass --force to replace it`);
      const config: ConfigFile = {
        server: flags.server ?? env.server ?? DEFAULT_SERVER,
        project: flags.project ?? env.project,
        api_key: flags.apiKey,
        api_key_file: flags.apiKeyFile,
        tls_ca_file: flags.tlsCa,
        tls_cert_file: flags.tlsCert,
        tls_key_file: flags.tlsKey,
      };
      if (!opts.force && process.stdin.isTTY) await ask(config);
      parseServerUrl(config.server!);
      const body: Record<string, string> = {};
      for (const [k, v] of Object.entries(config)) if (typeof v === "string" && v !== "") body[k] = v;
      const text = `# WhatsNext client configuration, written by \`whatsnext init\`.\n# Flags and WHATSNEXT_* variables override these values.\n${stringify(body)}${WORKER_TEMPLATE}`;
      mkdirSync(dirname(path), { recursive: true });
      // 0600: the file may hold an API key.
      writeFileSync(path, text, { mode: 0o600 });
      ctx.print({ path, config: body }, () => `wrote ${path}${body.api_key ? " (it holds your API key: keep it private)" : ""}`);
    });
}

async function ask(config: ConfigFile): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const question = async (label: string, current: string | undefined) => {
      const answer = (await rl.question(`${label}${current ? ` [${current}]` : ""}: `)).trim();
      return answer === "" ? current : answer;
    };
    config.server = await question("Server URL", config.server);
    config.project = await question("Default project", config.project);
    if (!config.api_key) config.api_key_file = await question("API key file (empty: no key)", config.api_key_file);
    if (config.server?.startsWith("https://")) config.tls_ca_file = await question("CA file for the server's certificate (empty: system roots)", config.tls_ca_file);
  } finally {
    rl.close();
  }
}

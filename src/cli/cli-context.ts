/**
 * What every command needs from the global flags: the resolved settings
 * (flags > environment > `.whatsnext` file > defaults), a connected client,
 * the current project, and output in the chosen form (tables or JSON).
 */
import type { Command } from "commander";
import { connect, type WhatsNextClient } from "../client/connect.js";
import {
  loadConfigFile,
  resolveClientSettings,
  settingsFromEnvironment,
  settingsFromFile,
  type ClientSettings,
  type LoadedConfigFile,
} from "../client/config-file.js";
import { findProject } from "../client/project-ref.js";
import type { Project } from "../../gen/whatsnext/v1/project_pb.js";
import { UsageError } from "./usage-error.js";

/** The global flags, as commander parses them. */
export interface GlobalOptions {
  server?: string;
  project?: string;
  apiKey?: string;
  apiKeyFile?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  config?: string;
  json?: boolean;
}

/** Lazily built per invocation; a command that needs no server (init, help) never connects. */
export class CliContext {
  private loadedFile: LoadedConfigFile | undefined | null = null;
  private resolved?: ClientSettings;
  private connected?: WhatsNextClient;
  private project?: Project;

  constructor(
    private readonly program: Command,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** The global flags given on the command line. */
  get flags(): GlobalOptions {
    return this.program.opts<GlobalOptions>();
  }

  /** True when output must be JSON for scripts. */
  get json(): boolean {
    return Boolean(this.flags.json);
  }

  /** The configuration file in effect (named by --config or found), if any. */
  get configFile(): LoadedConfigFile | undefined {
    if (this.loadedFile === null) this.loadedFile = loadConfigFile(this.flags.config ?? this.env.WHATSNEXT_CONFIG);
    return this.loadedFile;
  }

  /** The client settings after flags, environment, file and defaults. */
  get settings(): ClientSettings {
    if (!this.resolved) {
      const f = this.flags;
      const file = this.configFile;
      this.resolved = resolveClientSettings(
        [
          { server: f.server, project: f.project, apiKey: f.apiKey, apiKeyFile: f.apiKeyFile, tlsCaFile: f.tlsCa, tlsCertFile: f.tlsCert, tlsKeyFile: f.tlsKey },
          settingsFromEnvironment(this.env),
          file ? settingsFromFile(file.config) : {},
        ],
        file?.path,
      );
    }
    return this.resolved;
  }

  /** The connected client (connecting on first use). */
  get client(): WhatsNextClient {
    this.connected ??= connect({
      server: this.settings.server,
      apiKey: this.settings.apiKey,
      tlsCaFile: this.settings.tlsCaFile,
      tlsCertFile: this.settings.tlsCertFile,
      tlsKeyFile: this.settings.tlsKeyFile,
    });
    return this.connected;
  }

  /** The project named by --project / WHATSNEXT_PROJECT / the file; a usage error when none is. */
  async currentProject(): Promise<Project> {
    if (!this.project) {
      const ref = this.settings.project;
      if (!ref) throw new UsageError("no project: pass --project NAME, set WHATSNEXT_PROJECT, or add `project:` to .whatsnext (whatsnext init)");
      this.project = await findProject(this.client, ref);
    }
    return this.project;
  }

  /** Writes `data` as one JSON document with --json, else the human text. */
  print(data: unknown, human: () => string): void {
    if (this.json) process.stdout.write(`${JSON.stringify(data, jsonReplacer, 2)}\n`);
    else {
      const text = human();
      if (text !== "") process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
    }
  }

  /** Closes the connection so the process can exit. */
  close(): void {
    this.connected?.close();
  }
}

/** JSON.stringify cannot write bigint; ids are written as strings, as proto JSON does. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

/**
 * The `.whatsnext` configuration file and the order in which a client's
 * settings are decided: flags > environment > file > defaults.
 *
 * The file is YAML, found in the current folder or the nearest folder above it
 * that has one (as git finds .git), else in the home folder, or named
 * explicitly. Because the
 * server keeps its embedded database under `./.whatsnext/data` by default, a
 * `.whatsnext` that is a folder is read as `.whatsnext/config.yaml`.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";

/** The server a client talks to when nothing says otherwise (the server's default port on loopback). */
export const DEFAULT_SERVER = "http://127.0.0.1:50051";

/** The name of the configuration file (or folder holding config.yaml). */
export const CONFIG_FILE_NAME = ".whatsnext";

/** What a `.whatsnext` file may hold; every key is optional. Paths are relative to the file. */
export interface ConfigFile {
  server?: string;
  api_key?: string;
  api_key_file?: string;
  tls_ca_file?: string;
  tls_cert_file?: string;
  tls_key_file?: string;
  project?: string;
  /** Settings of `whatsnext worker` (name, entity, cpus, accelerators, parallel, wait_seconds, grace_seconds). */
  worker?: Record<string, unknown>;
  /** The worker's formatter: `kind` (cli, slurm, runai) and that formatter's settings. */
  formatter?: Record<string, unknown>;
}

/** A configuration file that was found and parsed, with where it came from. */
export interface LoadedConfigFile {
  path: string;
  config: ConfigFile;
}

/** Thrown for a configuration file that cannot be read or is not the expected shape; names the file and key. */
export class ConfigFileError extends Error {
  override name = "ConfigFileError";
}

const STRING_KEYS = ["server", "api_key", "api_key_file", "tls_ca_file", "tls_cert_file", "tls_key_file", "project"] as const;
const PATH_KEYS = ["api_key_file", "tls_ca_file", "tls_cert_file", "tls_key_file"] as const;

/** The file `.whatsnext` stands for in a folder: itself, or config.yaml inside it when it is a folder. */
export function configPathIn(folder: string): string {
  const candidate = join(folder, CONFIG_FILE_NAME);
  if (existsSync(candidate) && statSync(candidate).isDirectory()) return join(candidate, "config.yaml");
  return candidate;
}

/** The current folder and every folder above it up to the root, nearest first. */
export function foldersUp(start: string): string[] {
  const folders: string[] = [];
  for (let folder = resolve(start); ; folder = dirname(folder)) {
    folders.push(folder);
    if (dirname(folder) === folder) return folders;
  }
}

/** The places searched for a configuration file, in order, without duplicates: cwd up to the root, then home. */
export function configSearchPath(cwd: string = process.cwd(), home: string = homedir()): string[] {
  return [...new Set([...foldersUp(cwd), resolve(home)])].map(configPathIn);
}

/**
 * Loads the named file (an error if it is missing), else the first file of
 * the search path that exists, else undefined.
 */
export function loadConfigFile(explicitPath?: string, cwd: string = process.cwd(), home: string = homedir()): LoadedConfigFile | undefined {
  if (explicitPath) {
    const path = resolve(cwd, expandHome(explicitPath, home));
    const file = existsSync(path) && statSync(path).isDirectory() ? join(path, "config.yaml") : path;
    if (!existsSync(file)) throw new ConfigFileError(`config file ${file} does not exist`);
    return { path: file, config: readConfigFile(file, home) };
  }
  for (const path of configSearchPath(cwd, home)) {
    if (existsSync(path) && statSync(path).isFile()) return { path, config: readConfigFile(path, home) };
  }
  return undefined;
}

/** Parses and checks one file; relative paths inside it become absolute, relative to the file. */
export function readConfigFile(path: string, home: string = homedir()): ConfigFile {
  let data: unknown;
  try {
    data = parseYaml(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ConfigFileError(`config file ${path} cannot be read: ${(err as Error).message.split("\n")[0]}`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== "object" || Array.isArray(data)) throw new ConfigFileError(`config file ${path} must be a YAML mapping`);
  const raw = data as Record<string, unknown>;
  const config: ConfigFile = {};
  for (const key of STRING_KEYS) {
    const value = raw[key];
    if (value === undefined || value === null || value === "") continue;
    if (typeof value !== "string") throw new ConfigFileError(`${key} in ${path} must be a string, got ${JSON.stringify(value)}`);
    config[key] = value;
  }
  for (const key of PATH_KEYS) {
    const value = config[key];
    if (value) config[key] = resolve(dirname(path), expandHome(value, home));
  }
  for (const key of ["worker", "formatter"] as const) {
    const value = raw[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== "object" || Array.isArray(value)) throw new ConfigFileError(`${key} in ${path} must be a mapping`);
    config[key] = value as Record<string, unknown>;
  }
  const known = new Set<string>([...STRING_KEYS, "worker", "formatter"]);
  const unknown = Object.keys(raw).filter((k) => !known.has(k));
  if (unknown.length > 0) throw new ConfigFileError(`config file ${path} has unknown key ${unknown[0]} (known: ${[...known].join(", ")})`);
  return config;
}

/** `~/x` → `<home>/x`; anything else unchanged. */
export function expandHome(path: string, home: string = homedir()): string {
  if (path === "~") return home;
  if (path.startsWith("~/")) return join(home, path.slice(2));
  return path;
}

/** The settings given at one level (flags, environment or file); unset fields defer to the next level. */
export interface ClientSettingsLayer {
  server?: string;
  apiKey?: string;
  apiKeyFile?: string;
  tlsCaFile?: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  project?: string;
}

/** The settings a client runs with, after every level was consulted. */
export interface ClientSettings {
  server: string;
  apiKey?: string;
  tlsCaFile?: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  project?: string;
  /** The configuration file used, if any. */
  configPath?: string;
}

/** The client settings the environment gives (WHATSNEXT_SERVER, WHATSNEXT_PROJECT, WHATSNEXT_API_KEY, …). */
export function settingsFromEnvironment(env: NodeJS.ProcessEnv = process.env): ClientSettingsLayer {
  const get = (name: string) => (env[name] && env[name]!.trim() !== "" ? env[name] : undefined);
  return {
    server: get("WHATSNEXT_SERVER"),
    project: get("WHATSNEXT_PROJECT"),
    apiKey: get("WHATSNEXT_API_KEY"),
    apiKeyFile: get("WHATSNEXT_API_KEY_FILE"),
    tlsCaFile: get("WHATSNEXT_CA_FILE"),
    tlsCertFile: get("WHATSNEXT_CLIENT_CERT_FILE"),
    tlsKeyFile: get("WHATSNEXT_CLIENT_KEY_FILE"),
  };
}

/** The client settings of a parsed configuration file. */
export function settingsFromFile(config: ConfigFile): ClientSettingsLayer {
  return {
    server: config.server,
    project: config.project,
    apiKey: config.api_key,
    apiKeyFile: config.api_key_file,
    tlsCaFile: config.tls_ca_file,
    tlsCertFile: config.tls_cert_file,
    tlsKeyFile: config.tls_key_file,
  };
}

/**
 * Merges the levels, highest first. A key and a key file at the same level:
 * the key wins; a key file at a higher level beats a key at a lower one.
 * The key file is read here, so a missing file fails before any call.
 */
export function resolveClientSettings(layers: ClientSettingsLayer[], configPath?: string): ClientSettings {
  const first = <K extends keyof ClientSettingsLayer>(key: K) => layers.find((l) => l[key] !== undefined && l[key] !== "")?.[key];
  let apiKey: string | undefined;
  for (const layer of layers) {
    if (layer.apiKey) {
      apiKey = layer.apiKey;
      break;
    }
    if (layer.apiKeyFile) {
      apiKey = readKeyFile(layer.apiKeyFile);
      break;
    }
  }
  return {
    server: first("server") ?? DEFAULT_SERVER,
    apiKey,
    tlsCaFile: first("tlsCaFile"),
    tlsCertFile: first("tlsCertFile"),
    tlsKeyFile: first("tlsKeyFile"),
    project: first("project"),
    configPath,
  };
}

/** Reads an API key file: the first non-empty line, trimmed. */
export function readKeyFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(expandHome(path), "utf8");
  } catch (err) {
    throw new ConfigFileError(`api key file ${path} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const line = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== "");
  if (!line) throw new ConfigFileError(`api key file ${path} is empty`);
  return line;
}


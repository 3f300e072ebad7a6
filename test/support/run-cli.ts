/**
 * Runs the real `whatsnext` command as a child process, the way users and
 * scripts do, isolated from the developer's own configuration (HOME and the
 * working folder are a temporary folder; inherited WHATSNEXT_* are dropped).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The CLI entry point. */
export const CLI = fileURLToPath(new URL("../../bin/whatsnext.js", import.meta.url));

/** How a CLI run ended. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (fails the test with the output when it is not). */
  json<T = unknown>(): T;
}

/** Options of one run. */
export interface CliRunOptions {
  /** Variables on top of the isolated environment. */
  env?: Record<string, string>;
  /** Working folder (also HOME unless env.HOME is given); a fresh temporary folder by default. */
  cwd?: string;
  /** Written to stdin, then stdin is closed. */
  input?: string;
}

/** A fresh temporary folder. */
export function tempFolder(prefix = "wn-cli-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The environment a CLI run gets: this process's minus WHATSNEXT_*, plus the given variables. */
export function cliEnvironment(cwd: string, env: Record<string, string> = {}): Record<string, string> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("WHATSNEXT_") && k !== "DATABASE_URL") base[k] = v;
  return { ...base, HOME: cwd, ...env };
}

/** Starts the CLI without waiting, for long-running commands (worker, --follow). */
export function startCli(args: string[], options: CliRunOptions = {}) {
  const cwd = options.cwd ?? tempFolder();
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: cliEnvironment(cwd, options.env), stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  if (options.input !== undefined) child.stdin.write(options.input);
  child.stdin.end();
  const done = new Promise<CliResult>((resolve) => {
    child.on("close", (code, signal) => resolve(result(code, signal, stdout, stderr, args)));
  });
  return {
    child,
    done,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    /** Resolves once stdout+stderr match, or rejects when the process ends first. */
    async waitFor(pattern: RegExp, stream: "stdout" | "stderr" | "both" = "both"): Promise<void> {
      const text = () => (stream === "stdout" ? stdout : stream === "stderr" ? stderr : stdout + stderr);
      while (!pattern.test(text())) {
        const ended = await Promise.race([
          new Promise<false>((resolve) => {
            const on = () => {
              child.stdout.off("data", on);
              child.stderr.off("data", on);
              resolve(false);
            };
            child.stdout.on("data", on);
            child.stderr.on("data", on);
          }),
          done.then(() => true),
        ]);
        if (ended && !pattern.test(text())) throw new Error(`whatsnext ${args.join(" ")} ended before printing ${pattern}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
      }
    },
  };
}

/** Runs the CLI to its end. */
export function runCli(args: string[], options: CliRunOptions = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

function result(code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string, args: string[]): CliResult {
  return {
    code,
    signal,
    stdout,
    stderr,
    json<T>() {
      try {
        return JSON.parse(stdout) as T;
      } catch {
        throw new Error(`whatsnext ${args.join(" ")} did not print JSON (exit ${code}):\nstdout:\n${stdout}\nstderr:\n${stderr}`);
      }
    },
  };
}

/** Asserts the command exited 0, showing its output when it did not. */
export function ok(r: CliResult, what: string): CliResult {
  assert.equal(r.code, 0, `${what} should succeed:\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** Asserts the command failed with the exit code and said why on stderr. */
export function fails(r: CliResult, code: 1 | 2, stderr: RegExp): void {
  assert.equal(r.code, code, `expected exit ${code}; stdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.match(r.stderr, stderr);
}

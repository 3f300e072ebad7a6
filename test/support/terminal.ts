/**
 * Runs a command under a pseudo-terminal (util-linux `script`), as a person
 * at a terminal runs it: isTTY is true inside. The command is its own process
 * group, so a test can end all of it.
 */
import { spawn } from "node:child_process";

/** Starts `argv` on a terminal; output is what the terminal would show (stdout and stderr together). */
export function startOnTerminal(argv: string[], options: { cwd: string; env: Record<string, string> }) {
  const command = argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  const child = spawn("script", ["-qfec", command, "/dev/null"], { cwd: options.cwd, env: { TERM: "xterm", ...options.env }, stdio: ["pipe", "pipe", "pipe"], detached: true });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
  const done = new Promise<{ code: number | null; output: string }>((resolve) => child.on("close", (code) => resolve({ code, output })));
  return {
    child,
    done,
    get output() {
      return output;
    },
    /** Resolves with the match once the output matches; rejects when the command ends first. */
    async waitFor(pattern: RegExp): Promise<RegExpExecArray> {
      for (;;) {
        const match = pattern.exec(output);
        if (match) return match;
        const ended = await Promise.race([new Promise<false>((resolve) => child.stdout.once("data", () => resolve(false))), done.then(() => true)]);
        if (ended && !pattern.test(output)) throw new Error(`ended before printing ${pattern}:\n${output}`);
      }
    },
    /** Ends the whole group (the command and `script`). */
    kill(signal: NodeJS.Signals = "SIGKILL"): void {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    },
  };
}

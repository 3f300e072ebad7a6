/**
 * `whatsnext jobs logs ID [--attempt N] [-f] [--tail N] [--stream S]`: a job's
 * output as its worker sent it, and with --follow what follows, live, until
 * the attempt ends. The job's stdout goes to stdout and its stderr to stderr
 * (red on a terminal), so both stay apart in a pipe; notices of what is
 * missing go to stderr in brackets. With --stream only that stream is shown,
 * on stdout. With --json every piece is one JSON line.
 */
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { JobStatus } from "../../gen/whatsnext/v1/common_pb.js";
import { OutputStream, type OutputChunk } from "../../gen/whatsnext/v1/job_pb.js";
import type { CliContext } from "./cli-context.js";
import { parseCount, parseId, parsePositive } from "./flag-values.js";

/** How much --tail reads from the end to find its lines. */
const TAIL_READ_BYTES = 1024 * 1024;

interface LogsFlags {
  attempt?: number;
  follow?: boolean;
  tail?: number;
  stream?: "stdout" | "stderr";
}

/** Adds `logs` to the `jobs` group. */
export function registerJobLogsCommand(jobs: Command, ctx: CliContext): void {
  jobs
    .command("logs")
    .description("a job's output (stdout to stdout, stderr to stderr); --follow shows it live while the job runs")
    .argument("<id>", "job id", parseId("job id"))
    .option("--attempt <n>", "which attempt (1 for the first; default: the latest)", parsePositive("--attempt"))
    .option("-f, --follow", "keep showing output as it is produced, until the attempt ends (Ctrl-C stops)")
    .option("--tail <n>", "start with the last N lines", parseCount("--tail"))
    .option("--stream <name>", "only stdout or only stderr (written to stdout)", parseStream)
    .action(async (id: bigint, flags: LogsFlags) => {
      const out = new OutputWriter(ctx.json, flags.stream);
      let attempt = flags.attempt ?? 0;
      let offset = 0n;
      if (flags.tail !== undefined) {
        const page = await ctx.client.jobs.getJobOutput({ jobId: id, attempt, fromEnd: true, maxBytes: TAIL_READ_BYTES });
        attempt = page.attempt;
        // With --stream, the last lines of that stream.
        const only = flags.stream === undefined ? undefined : flags.stream === "stdout" ? OutputStream.STDOUT : OutputStream.STDERR;
        out.write(page.attempt, lastLines(only === undefined ? page.chunks : page.chunks.filter((c) => c.stream === only), flags.tail));
        offset = page.nextOffset;
      } else if (!flags.follow) {
        // Page through what exists.
        for (;;) {
          const page = await ctx.client.jobs.getJobOutput({ jobId: id, attempt, offset });
          attempt = page.attempt;
          out.write(page.attempt, page.chunks);
          if (page.nextOffset === offset || page.nextOffset >= page.size) break;
          offset = page.nextOffset;
        }
      }
      if (flags.follow) await follow(ctx, out, { jobId: id, attempt, offset }, flags.attempt !== undefined);
      else if (attempt === 0 && !ctx.json) process.stderr.write(`job ${id} has not run yet: nothing to show (-f waits for it)\n`);
      out.end();
    });
}

function parseStream(text: string): "stdout" | "stderr" {
  if (text !== "stdout" && text !== "stderr") throw new InvalidArgumentError(`--stream must be stdout or stderr, got ${JSON.stringify(text)}`);
  return text;
}

/**
 * FollowJobOutput until the attempt ends or the user interrupts (exit 0
 * either way). Without --attempt, a job that will run again (a retry, a
 * release), or already has, is followed into its next attempt.
 */
async function follow(ctx: CliContext, out: OutputWriter, from: { jobId: bigint; attempt: number; offset: bigint }, pinned: boolean): Promise<void> {
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    let next: typeof from | undefined = from;
    while (next && !abort.signal.aborted) {
      let attempt: number = next.attempt;
      // No deadline (the client sets none): a six-hour job is followed for six hours.
      for await (const msg of ctx.client.jobs.followJobOutput(next, { signal: abort.signal })) {
        attempt = msg.attempt;
        out.write(msg.attempt, msg.chunks);
      }
      next = undefined;
      if (pinned || attempt === 0) break;
      const { job } = await ctx.client.jobs.getJob({ id: from.jobId }, { signal: abort.signal });
      // A later attempt exists (a retry may have run and ended already), or one may still come.
      if (job && (job.runs > attempt || [JobStatus.PENDING, JobStatus.QUEUED, JobStatus.RUNNING].includes(job.status))) {
        out.notice(`[attempt ${attempt} ended; following attempt ${attempt + 1}]`);
        next = { jobId: from.jobId, attempt: attempt + 1, offset: 0n };
      }
    }
  } catch (err) {
    if (!abort.signal.aborted) throw err;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}

/** The pieces holding the last n lines (a final newline does not start a line). */
export function lastLines(chunks: readonly OutputChunk[], n: number): OutputChunk[] {
  if (n === 0) return [];
  let newlines = 0;
  for (let i = chunks.length - 1; i >= 0; i--) {
    const c = chunks[i]!;
    let at = c.text.length;
    if (i === chunks.length - 1 && c.text.endsWith("\n")) at--;
    for (;;) {
      at = c.text.lastIndexOf("\n", at - 1);
      if (at < 0) break;
      if (++newlines === n) return [{ ...c, text: c.text.slice(at + 1) }, ...chunks.slice(i + 1)];
    }
  }
  return [...chunks];
}

/** Writes pieces where they belong, keeping notices on lines of their own. */
class OutputWriter {
  private readonly color = Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
  /** Whether the last text written to each of our streams ended a line. */
  private atLineStart = { stdout: true, stderr: true };

  constructor(
    private readonly json: boolean,
    private readonly only: "stdout" | "stderr" | undefined,
  ) {}

  write(attempt: number, chunks: readonly OutputChunk[]): void {
    for (const c of chunks) {
      if (c.text === "") continue;
      if (this.json) {
        process.stdout.write(`${JSON.stringify({ attempt, stream: streamName(c.stream), offset: c.offset.toString(), text: c.text })}\n`);
        continue;
      }
      if (c.stream === OutputStream.NOTICE) {
        this.emit("stderr", `${this.atLineStart.stderr ? "" : "\n"}${this.color ? `\u001b[33m${c.text}\u001b[0m` : c.text}\n`);
        continue;
      }
      if (this.only !== undefined) {
        if (c.stream === (this.only === "stdout" ? OutputStream.STDOUT : OutputStream.STDERR)) this.emit("stdout", c.text);
        continue;
      }
      if (c.stream === OutputStream.STDERR) this.emit("stderr", this.color ? `\u001b[31m${c.text}\u001b[0m` : c.text, c.text);
      else this.emit("stdout", c.text);
    }
  }

  /** A line of our own about the output (not the job's), on stderr. */
  notice(text: string): void {
    this.write(0, [{ stream: OutputStream.NOTICE, text, offset: 0n } as OutputChunk]);
  }

  /** Ends an unfinished last line, so the shell prompt starts on its own. */
  end(): void {
    if (this.json) return;
    if (!this.atLineStart.stdout && process.stdout.isTTY) process.stdout.write("\n");
  }

  private emit(to: "stdout" | "stderr", text: string, plain = text): void {
    (to === "stdout" ? process.stdout : process.stderr).write(text);
    this.atLineStart[to] = plain.endsWith("\n");
  }
}

function streamName(s: OutputStream): string {
  switch (s) {
    case OutputStream.STDOUT:
      return "stdout";
    case OutputStream.STDERR:
      return "stderr";
    case OutputStream.NOTICE:
      return "notice";
    case OutputStream.COMBINED:
      return "combined";
    default:
      return "unspecified";
  }
}

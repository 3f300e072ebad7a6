/**
 * Server log lines for a person at a terminal: local time, level name, the
 * message, then the fields as key=value, with gRPC codes by name. pino writes
 * JSON; this stream rewrites each line, so what is logged is the same in both
 * forms. Errors show their message, and their stack from `error` up.
 */
import { Code } from "@connectrpc/connect";
import type { DestinationStream } from "pino";

const LEVELS: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };
const COLORS: Record<number, string> = { 10: "\x1b[90m", 20: "\x1b[90m", 30: "\x1b[32m", 40: "\x1b[33m", 50: "\x1b[31m", 60: "\x1b[35m" };
/** Fields every line has, or that the line's layout already shows. */
const HIDDEN = new Set(["level", "time", "msg", "pid", "hostname", "service", "err"]);

/** `invalid_argument` for 3, as the Connect protocol names codes. */
function codeName(code: unknown): unknown {
  if (typeof code !== "number" || Code[code] === undefined) return code;
  return Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}

function fieldText(value: unknown): string {
  if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/** One JSON log line as text (the line as it is when it is not JSON). */
export function prettyLine(json: string, color: boolean): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const level = typeof entry.level === "number" ? entry.level : 30;
  const time = typeof entry.time === "number" ? new Date(entry.time) : new Date();
  const clock = `${time.toTimeString().slice(0, 8)}.${String(time.getMilliseconds()).padStart(3, "0")}`;
  const name = (LEVELS[level] ?? String(level)).padEnd(5);
  const fields = Object.entries(entry)
    .filter(([k]) => !HIDDEN.has(k))
    .map(([k, v]) => `${k}=${fieldText(k === "code" ? codeName(v) : v)}`);
  const err = entry.err as { type?: string; message?: string; stack?: string } | undefined;
  let text = `${clock} ${color ? `${COLORS[level] ?? ""}${name}\x1b[0m` : name} ${String(entry.msg ?? "")}${fields.length ? `  ${fields.join(" ")}` : ""}`;
  if (err) {
    text += `\n    ${err.type ?? "Error"}: ${err.message ?? ""}`;
    if (level >= 50 && err.stack) text += `\n${err.stack.split("\n").slice(1).map((l) => `    ${l.trim()}`).join("\n")}`;
  }
  return text;
}

/** A pino destination writing readable lines to `out` (stdout by default). */
export function prettyDestination(out: NodeJS.WriteStream = process.stdout): DestinationStream {
  const color = Boolean(out.isTTY) && !process.env.NO_COLOR;
  return {
    write(chunk: string): void {
      for (const line of chunk.split("\n")) if (line.trim() !== "") out.write(`${prettyLine(line, color)}\n`);
    },
  };
}

/** Whether logs should be readable text: LOG_FORMAT=pretty, or auto on a terminal. */
export function wantsPrettyLogs(format: string, out: NodeJS.WriteStream = process.stdout): boolean {
  return format === "pretty" || (format === "auto" && Boolean(out.isTTY));
}

import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";

/** A request to a bench child over the IPC channel. */
export interface RpcRequest {
  readonly id: number;
  readonly op: string;
  readonly args: Record<string, unknown>;
}

/** A child's answer to one request. */
export interface RpcResponse {
  readonly id: number;
  readonly value?: unknown;
  readonly error?: string;
}

/** A bench child process that answers requests over Node's IPC channel (stdout stays free for logs). */
export interface ChildRpc {
  readonly pid: number;
  call<T>(op: string, args?: Record<string, unknown>): Promise<T>;
  /** Peak resident set size (VmHWM) of the child so far, in bytes. */
  peakRssBytes(): number;
  stop(): Promise<void>;
}

/**
 * Spawns `node [nodeFlags] --import tsx <script> <argv>` and waits for the
 * child's first message ({ ready: true }) before returning.
 */
export async function spawnChildRpc(script: string, argv: readonly string[], opts: { env?: NodeJS.ProcessEnv; nodeFlags?: readonly string[] } = {}): Promise<ChildRpc> {
  const child = spawn(process.execPath, [...(opts.nodeFlags ?? []), "--import", "tsx", script, ...argv], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: opts.env ?? process.env,
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let exited: Error | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    child.once("message", (m: { ready?: boolean; error?: string }) => (m.ready ? resolve() : reject(new Error(`${script}: ${m.error ?? "did not start"}`))));
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
  });
  child.on("message", (m: RpcResponse) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.error !== undefined) p.reject(new Error(m.error));
    else p.resolve(m.value);
  });
  child.on("exit", (code, signal) => {
    exited = new Error(`${script} exited (${code ?? signal})`);
    for (const p of pending.values()) p.reject(exited);
    pending.clear();
  });
  await ready;
  return {
    pid: child.pid!,
    call<T>(op: string, args: Record<string, unknown> = {}) {
      if (exited) return Promise.reject(exited);
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, op, args } satisfies RpcRequest);
      });
    },
    peakRssBytes: () => peakRssOf(child.pid!),
    stop: () => stopChild(child),
  };
}

/** VmHWM of a live process from /proc, in bytes (0 where /proc is not available). */
export function peakRssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** SIGTERM, then SIGKILL if the child is still there after 10 s. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

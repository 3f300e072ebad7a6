import { closeSync, existsSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

/** Thrown when another live server holds the folder; the message says which and what to do. */
export class DataDirLockedError extends Error {}

/** What a lock file holds: who has the folder. */
interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

const LOCK_NAME = "whatsnext.lock";

function readHolder(path: string): Holder | null {
  try {
    const h = JSON.parse(readFileSync(path, "utf8")) as Partial<Holder>;
    return typeof h.pid === "number" && typeof h.host === "string" ? { pid: h.pid, host: h.host, since: String(h.since ?? "") } : null;
  } catch {
    return null;
  }
}

/** Whether a process of this host with that pid is alive (EPERM: alive, someone else's). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes the embedded database's folder for this process, so that a second
 * server on the same folder refuses to start instead of corrupting it (two
 * PGlite instances on one folder hand out the same ids and lose writes).
 *
 * The lock is a file holding the owner's pid and host, created atomically
 * (written aside, then hard-linked into place: the link fails if a lock
 * exists). A lock whose process is dead (same host) is stale and taken over:
 * it is renamed away first, so of two servers taking over at once only one
 * succeeds. Returns the release function; the lock also goes when the process
 * exits normally.
 */
export function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, LOCK_NAME);
  const me: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  const aside = `${path}.${process.pid}`;
  const fd = openSync(aside, "w", 0o644);
  writeSync(fd, JSON.stringify(me));
  closeSync(fd);
  try {
    for (let tries = 0; ; tries++) {
      try {
        linkSync(aside, path);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST" || tries >= 3) throw err;
      }
      const holder = readHolder(path);
      if (holder && (holder.host !== me.host || alive(holder.pid))) {
        const where = holder.host === me.host ? `process ${holder.pid}` : `process ${holder.pid} on host ${holder.host}`;
        throw new DataDirLockedError(
          `another WhatsNext server (${where}, since ${holder.since}) is using the embedded database in ${dataDir}: ` +
            `stop it, or give this one its own WHATSNEXT_DATA_DIR (or a DATABASE_URL). If no such server runs, delete ${path}.`,
        );
      }
      // Stale (its process is gone) or unreadable: move it away; only one of several takers can rename it.
      try {
        renameSync(path, `${path}.stale-${process.pid}`);
        unlinkSync(`${path}.stale-${process.pid}`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
    }
  } finally {
    unlinkSync(aside);
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off("exit", release);
    try {
      if (readHolder(path)?.pid === process.pid) unlinkSync(path);
    } catch {
      // Already gone: nothing to release.
    }
  };
  process.on("exit", release);
  return release;
}

/** Whether a folder holds a lock file (for tests and diagnostics). */
export function dataDirLocked(dataDir: string): boolean {
  return existsSync(join(dataDir, LOCK_NAME));
}

import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { lockDataDir } from "./data-dir-lock.js";

/** A PGlite database served on a loopback port so that the pg driver can reach it. */
export interface EmbeddedDatabase {
  /** A postgres:// URL for the served database. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts PGlite (PostgreSQL compiled to WASM) in this process, keeping its
 * files under dataDir ("memory://" keeps nothing), and serves it on a free
 * loopback port. PGlite runs one query at a time, so clients use a pool of
 * one. The folder is locked for this process first (see data-dir-lock.ts):
 * a second server on the same folder refuses to start.
 */
export async function startEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  let unlock = () => {};
  if (!dataDir.startsWith("memory://")) {
    mkdirSync(dataDir, { recursive: true });
    unlock = lockDataDir(dataDir);
  }
  try {
    const db = await PGlite.create(dataDir);
    const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0 });
    await server.start();
    const address = server.getServerConn();
    return {
      url: `postgres://postgres@${address}/postgres?sslmode=disable`,
      async close() {
        await server.stop();
        await db.close();
        unlock();
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}

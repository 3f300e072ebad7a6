import { randomBytes } from "node:crypto";
import pg from "pg";

/** A database of the bench's own, created from DATABASE_URL and dropped at the end. */
export interface BenchDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

/**
 * Creates a fresh database next to the one in baseUrl, so that each system
 * starts from empty tables and none sees another's load.
 */
export async function createBenchDatabase(baseUrl: string, label: string): Promise<BenchDatabase> {
  const name = `wn_bench_${label}_${process.pid}_${randomBytes(3).toString("hex")}`;
  await adminQuery(baseUrl, `create database ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => adminQuery(baseUrl, `drop database if exists ${name} with (force)`),
  };
}

async function adminQuery(baseUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

import type { SqlExecutor } from "../../executor.js";

/** Sends one NOTIFY on the channel; every replica's LISTEN connection hears it after the sender's transaction commits. */
export async function notifyJobChanges(sql: SqlExecutor, channel: string, payload: string): Promise<void> {
  await sql.query(`select pg_notify(?, ?)`, [channel, payload]);
}

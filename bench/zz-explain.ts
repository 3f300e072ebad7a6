import pg from "pg";
import { createBenchDatabase } from "./databases.js";
import { startBenchServer } from "./whatsnext-server.js";
import { createBenchProject, createWhatsNextProducer } from "./whatsnext.js";
const db = await createBenchDatabase(process.env.DATABASE_URL!, "explain");
const server = await startBenchServer(db.url);
const project = await createBenchProject(server.url);
const p = await createWhatsNextProducer(server.url, db.url, project, 1);
const n = Number(process.env.N ?? 1_000_000);
let t = performance.now();
await p.bulkLoadPending(n);
console.log("bulk load", n, ((performance.now() - t) / 1000).toFixed(1), "s");
for (let i = 0; i < 5; i++) await p.claimOne();
t = performance.now();
for (let i = 0; i < 50; i++) await p.claimOne();
console.log("claim avg ms", ((performance.now() - t) / 50).toFixed(2));
console.log("DB", db.url, "project", project.projectId);
if (!process.env.KEEP) { await p.close(); await server.stop(); await db.drop(); }
else { await p.close(); await server.stop(); }

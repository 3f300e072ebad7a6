import { startTestServer } from "./test/support/test-server.js";
import { queueFixture } from "./test/support/queue-fixtures.js";

const t = await startTestServer();
try {
  for (const proto of ["grpc-js", "connect"] as const) {
    const f = await queueFixture(t, proto, "rpc");
    const db = t.server.app.db.sql;
    const projectId = Number(f.project.id);
    await db.query(`insert into job (project_id, task_id, name, parameters, priority, status) select ?, ?, 'j' || g, '{}', 0, 'pending' from generate_series(1, 1000) g`, [projectId, Number(f.taskIds.run)]);
    const workerId = await f.registerWorker();
    const med = async (label: string, fn: () => Promise<unknown>) => {
      for (let i = 0; i < 20; i++) await fn();
      const times: number[] = [];
      for (let i = 0; i < 200; i++) { const s = process.hrtime.bigint(); await fn(); times.push(Number(process.hrtime.bigint() - s) / 1e6); }
      times.sort((a, b) => a - b);
      console.log(proto, label, "median", times[100]!.toFixed(2), "p90", times[180]!.toFixed(2));
    };
    await med("GetProject", () => f.jobs.getJob({ id: 1n }).catch(() => undefined));
    await med("FetchJob", () => f.workers.fetchJob({ workerId, project: { case: "projectId", value: f.project.id }, maxJobs: 1 }));
    await med("CreateJob", () => f.createJob({ name: "x" }));
  }
} finally {
  await t.close();
}

import { createBenchDatabase } from "/work/main/bench/databases.js";
import { startBenchServer } from "/work/main/bench/whatsnext-server.js";
import { connectOwn } from "/work/main/bench/whatsnext-client.js";
import { ProjectService } from "/work/main/gen/whatsnext/v1/project_pb.js";
import { JobService } from "/work/main/gen/whatsnext/v1/job_pb.js";
import { createBenchProject } from "/work/main/bench/whatsnext.js";
const db = await createBenchDatabase(process.env.DATABASE_URL!, "probe");
const server = await startBenchServer(db.url, process.env.PROF);
try {
  const project = await createBenchProject(server.url);
  for (const stack of ["grpc-js", "connect-h2"] as const) {
    const p = connectOwn(ProjectService, server.url, stack);
    const j = connectOwn(JobService, server.url, stack);
    for (let k = 0; k < 2; k++) {
      let t = performance.now();
      for (let i = 0; i < 200; i++) await p.client.getProject({ project: { case: "id", value: project.projectId } });
      const get = (performance.now() - t) / 200;
      t = performance.now();
      for (let i = 0; i < 200; i++) await j.client.createJob({ projectId: project.projectId, task: { case: "taskName", value: "noop" }, parameters: { i } });
      const create = (performance.now() - t) / 200;
      console.log(stack, "getProject ms", get.toFixed(3), "createJob ms", create.toFixed(3));
    }
    p.close(); j.close();
  }
} finally {
  await server.stop();
  await db.drop();
}

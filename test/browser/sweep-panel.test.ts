import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { chromium, type Browser, type Page } from "playwright-core";
import { JobStatus } from "../../gen/whatsnext/v1/common_pb.js";
import { JobService } from "../../gen/whatsnext/v1/job_pb.js";
import { ProjectService } from "../../gen/whatsnext/v1/project_pb.js";
import { SweepService, type SweepSpec } from "../../gen/whatsnext/v1/sweep_pb.js";
import { TaskService } from "../../gen/whatsnext/v1/task_pb.js";
import { WorkerService } from "../../gen/whatsnext/v1/worker_pb.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

// The dashboard's sweep page for one sweep (`?sweep=ID`) in headless Chromium against a real server:
// only the sweep's jobs on the grid, its progress, and Retry and Cancel acting on the whole sweep,
// the grid following live. Waits on page state, never sleeps.

const CHROMIUM = "/usr/bin/chromium";
const skip = existsSync(CHROMIUM) || process.env.CI === "true" ? false : `${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it)`;
const WAIT_MS = 20_000;

describe("the dashboard's sweep panel", { skip }, () => {
  let browser: Browser;
  let t: TestServer;
  let projectId: bigint;
  let sweepId: bigint;
  before(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"] });
    // The test's worker never heartbeats.
    t = await startTestServer({ WHATSNEXT_LEASE_SECONDS: "3600", WHATSNEXT_WORKER_TIMEOUT_SECONDS: "3600" });
    projectId = (await t.client(ProjectService, "connect").createProject({ name: "panel" })).project!.id;
    await t.client(TaskService, "connect").createTask({ projectId, name: "train", commandTemplate: "true {lr} {seed}" });
    const value = (v: number) => create(ValueSchema, { kind: { case: "numberValue", value: v } });
    const spec = { kind: { case: "grid", value: { axes: [{ name: "lr", values: [0.1, 0.01].map(value) }, { name: "seed", values: [1, 2, 3].map(value) }] } } } as unknown as SweepSpec;
    sweepId = (await t.client(SweepService, "connect").createSweep({ projectId, task: { case: "taskName", value: "train" }, name: "lr-seed", spec })).sweep!.id;
    // A job of the same task outside the sweep is not drawn with it.
    await t.client(JobService, "connect").createJob({ projectId, task: { case: "taskName", value: "train" }, name: "outside", parameters: { lr: 0.5, seed: 9 } });
    const workers = t.client(WorkerService, "connect");
    await workers.registerWorker({ id: "w", name: "w" });
    const { jobs } = await workers.fetchJob({ workerId: "w", project: { case: "projectId", value: projectId }, maxJobs: 2 });
    await workers.finishJob({ jobId: jobs[0]!.id, workerId: "w", success: true, exitCode: 0 });
    await workers.finishJob({ jobId: jobs[1]!.id, workerId: "w", success: false, exitCode: 1, message: "exited with code 1" });
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  const cells = (page: Page, status?: string) => page.locator(`table.sweep-grid a.cell${status ? `[data-status="${status}"]` : ""}`);
  const waitForCells = (page: Page, status: string, n: number) =>
    page
      .waitForFunction(([s, want]) => document.querySelectorAll(`table.sweep-grid a.cell[data-status="${s}"]`).length === want, [status, n] as const, { timeout: WAIT_MS, polling: 100 })
      .catch((err: Error) => {
        throw new Error(`${n} ${status} cells: ${err.message.split("\n")[0]}`);
      });

  it("draws only the sweep's jobs with its progress; Retry and Cancel steer the whole sweep and the grid follows", async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    const errors: string[] = [];
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    page.on("pageerror", (e) => errors.push(e.message));
    try {
      await page.goto(`${t.url}/projects/${projectId}/sweep?sweep=${sweepId}`);
      const panel = page.locator(`.sweep-panel[data-sweep-id="${sweepId}"]`);
      await panel.waitFor();
      await page.locator('[data-live="live"]').waitFor();
      assert.match((await panel.locator("h2").textContent()) ?? "", /Sweep lr-seed · task train · grid lr \(2\) × seed \(3\)/);
      assert.equal(await panel.locator(".progress").getAttribute("aria-label"), "1 of 6 completed");
      assert.equal(await cells(page).count(), 6, "the job outside the sweep is not drawn");
      assert.equal(await cells(page, "failed").count(), 1);
      assert.equal(await page.locator('select[name="sweep"]').inputValue(), String(sweepId));

      await panel.getByRole("button", { name: "Retry failed (1)" }).click();
      await panel.getByRole("status").filter({ hasText: "Retried 1 jobs." }).waitFor();
      await waitForCells(page, "pending", 5);
      await waitForCells(page, "failed", 0);

      await panel.getByRole("button", { name: "Cancel sweep (5)" }).click();
      await panel.getByRole("button", { name: "Yes, cancel the sweep" }).click();
      await panel.getByRole("status").filter({ hasText: "Cancelled 5 jobs." }).waitFor();
      await waitForCells(page, "cancelled", 5);
      assert.equal(await cells(page, "completed").count(), 1);
      const counts = (await t.client(SweepService, "connect").getSweep({ sweep: { sweep: { case: "id", value: sweepId } } })).sweep!.counts!;
      assert.deepEqual([counts.cancelled, counts.completed], [5n, 1n]);
      const outside = (await t.client(JobService, "connect").listJobs({ projectId })).jobs.find((j) => j.name === "outside")!;
      assert.equal(outside.status, JobStatus.PENDING, "the job outside the sweep is left alone");

      // Back to the jobs of a task: the outside job is on the grid again.
      await page.locator('select[name="sweep"]').selectOption("");
      await panel.waitFor({ state: "detached" });
      await page.waitForFunction(() => document.querySelectorAll("table.sweep-grid a.cell").length === 7, undefined, { timeout: WAIT_MS, polling: 100 });
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { JobStatus } from "../../gen/whatsnext/v1/common_pb.js";
import { JobService, OutputStream, type Job } from "../../gen/whatsnext/v1/job_pb.js";
import { ProjectService } from "../../gen/whatsnext/v1/project_pb.js";
import { TaskService } from "../../gen/whatsnext/v1/task_pb.js";
import { WorkerService } from "../../gen/whatsnext/v1/worker_pb.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

// The web dashboard in headless Chromium against a real server, with data made through the API, on the
// embedded database and on PostgreSQL. Pages are waited on through their state (locators, polled
// predicates), never with sleeps. Set DASHBOARD_SCREENSHOTS=1 to refresh the README's pictures in docs/.

const CHROMIUM = "/usr/bin/chromium";
const skip = existsSync(CHROMIUM) || process.env.CI === "true" ? false : `${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it)`;
const SCREENSHOTS = process.env.DASHBOARD_SCREENSHOTS === "1" ? fileURLToPath(new URL("../../docs/", import.meta.url)) : undefined;
/** Long enough for a loaded 2-core machine; a page that works answers in well under a second. */
const WAIT_MS = 20_000;

let browser: Browser;
before(async () => {
  if (skip) return;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});
after(async () => {
  await browser?.close();
});

const databases: Array<{ label: string; env: Record<string, string>; skip: string | false }> = [
  { label: "the embedded database", env: { DATABASE_URL: "" }, skip },
  { label: "PostgreSQL", env: {}, skip: skip || (process.env.DATABASE_URL ? false : "DATABASE_URL is not set (PostgreSQL runs of the dashboard need it)") },
];

const secret = (role: string) => `wnxt_dash_${role}_${randomBytes(12).toString("hex")}`;

for (const database of databases) {
  describe(`the dashboard on ${database.label}`, { skip: database.skip }, () => {
    const keys = { admin: secret("admin"), submitter: secret("submitter"), viewer: secret("viewer") };
    let t: TestServer;
    let projectId: bigint;
    /** The sweep's jobs by name (lr{lr}-s{seed}), as created. */
    const sweep = new Map<string, Job>();
    let failed: Job;
    let running: Job;
    let report: Job;
    const client = <S extends Parameters<TestServer["client"]>[0]>(service: S) => t.client(service, "connect", { authorization: `Bearer ${keys.admin}` });

    before(async () => {
      t = await startTestServer({
        ...database.env,
        // The test's worker never heartbeats: its running job must not be reaped while the pages look at it.
        WHATSNEXT_LEASE_SECONDS: "3600",
        WHATSNEXT_WORKER_TIMEOUT_SECONDS: "3600",
        WHATSNEXT_API_KEYS: Object.entries(keys)
          .map(([role, key]) => `dash-${role}:${role}:${key}`)
          .join(","),
      });
      const project = (await client(ProjectService).createProject({ name: "lr-sweep", description: "learning rate × seed" })).project!;
      projectId = project.id;
      await client(TaskService).createTask({ projectId, name: "train", commandTemplate: "python train.py --lr {lr} --seed {seed}", requiredCpu: 1 });
      await client(TaskService).createTask({ projectId, name: "report", commandTemplate: "python report.py" });
      const grid = [0.1, 0.01, 0.001].flatMap((lr) => [1, 2, 3].map((seed) => ({ lr, seed })));
      const { jobIds } = await client(JobService).batchCreateJobs({
        projectId,
        jobs: grid.map((p) => ({ task: { case: "taskName", value: "train" }, name: `lr${p.lr}-s${p.seed}`, parameters: p })),
      });
      for (const id of jobIds) {
        const job = (await client(JobService).getJob({ id })).job!;
        sweep.set(job.name, job);
      }
      // A worker runs the first three jobs (claims go by id): one completes, one fails, one keeps running.
      const workers = client(WorkerService);
      await workers.registerWorker({ id: "gpu-box-1", name: "gpu-box-1", entity: "lab", availableCpu: 4, availableAccelerators: 1 });
      const claim = async () => (await workers.fetchJob({ workerId: "gpu-box-1", project: { case: "projectId", value: projectId }, maxJobs: 1 })).jobs[0]!;
      const first = await claim();
      await workers.startJob({ jobId: first.id, workerId: "gpu-box-1", command: "python train.py --lr 0.1 --seed 1" });
      await workers.finishJob({ jobId: first.id, workerId: "gpu-box-1", success: true, exitCode: 0, message: "exited with code 0", outputTail: "accuracy 0.91\n" });
      const second = await claim();
      await workers.startJob({ jobId: second.id, workerId: "gpu-box-1", command: "python train.py --lr 0.1 --seed 2" });
      await workers.finishJob({ jobId: second.id, workerId: "gpu-box-1", success: false, exitCode: 1, message: "exited with code 1", outputTail: "training with lr=0.1 seed=2\nRuntimeError: loss is NaN\n" });
      const third = await claim();
      await workers.startJob({ jobId: third.id, workerId: "gpu-box-1", command: "python train.py --lr 0.1 --seed 3" });
      failed = (await client(JobService).getJob({ id: second.id })).job!;
      running = (await client(JobService).getJob({ id: third.id })).job!;
      assert.equal(failed.status, JobStatus.FAILED);
      assert.equal(running.status, JobStatus.RUNNING);
      // A report waits for the failed job, so it is blocked.
      report = (await client(JobService).createJob({ projectId, task: { case: "taskName", value: "report" }, name: "report", dependsOn: [failed.id] })).job!;
      report = (await client(JobService).getJob({ id: report.id })).job!;
      assert.equal(report.status, JobStatus.BLOCKED);
    });
    after(async () => {
      await t?.close();
    });

    /** A fresh browser context (its own sessionStorage) on `path`, signed in with `key`; console errors are collected. */
    async function open(path: string, key: string | undefined, viewport = { width: 1100, height: 760 }): Promise<{ page: Page; errors: string[]; context: BrowserContext }> {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      page.setDefaultTimeout(WAIT_MS);
      const errors: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(`console: ${m.text()}`);
      });
      page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
      if (process.env.DASHBOARD_DEBUG) {
        page.on("request", (r) => console.log("# request", r.method(), r.url(), r.postData()?.slice(0, 160) ?? ""));
        page.on("framenavigated", (f) => console.log("# navigated", f.url()));
        page.on("console", (m) => console.log("# console", m.type(), m.text()));
      }
      await page.goto(t.url + path);
      if (key) {
        await page.locator('input[name="api-key"]').fill(key);
        await page.getByRole("button", { name: "Sign in" }).click();
        await page.locator(".identity").waitFor();
      }
      return { page, errors, context };
    }

    /** Runs a page test and fails it on any console error or uncaught exception of the page. */
    async function withPage(path: string, key: string | undefined, test: (page: Page) => Promise<void>, viewport?: { width: number; height: number }): Promise<void> {
      const { page, errors, context } = await open(path, key, viewport);
      try {
        await test(page);
        assert.deepEqual(errors, [], `no console errors on ${path}`);
      } catch (err) {
        if (process.env.DASHBOARD_FAILURE_SCREENSHOTS) await page.screenshot({ path: `${process.env.DASHBOARD_FAILURE_SCREENSHOTS}/failed-${Date.now()}.png`, fullPage: true }).catch(() => undefined);
        throw err;
      } finally {
        await context.close();
      }
    }

    // Predicates are functions, not strings: the page's Content-Security-Policy forbids evaluating strings.
    const waitFor = <A extends number | string | undefined | readonly [string, boolean]>(page: Page, what: string, predicate: (arg: A) => boolean, arg: A) =>
      // Plain values cross into the page unchanged, so the predicate's argument is A there too.
      page.waitForFunction(predicate as (arg: unknown) => boolean, arg, { timeout: WAIT_MS, polling: 100 }).catch((err: Error) => {
        throw new Error(`${what}: ${err.message.split("\n")[0]}`);
      });
    const rowCount = (page: Page) => page.locator("table.jobs tbody tr").count();
    const waitForRows = (page: Page, what: string, rows: number) =>
      waitFor(page, what, (n) => document.querySelectorAll("table.jobs tbody tr").length === n, rows);
    const firstRowIs = (page: Page, what: string, id: bigint, equal = true) =>
      waitFor(page, what, ([want, eq]) => (document.querySelector<HTMLElement>("table.jobs tbody tr")?.dataset.jobId === want) === eq, [String(id), equal] as const);

    it("asks for a key, tells a wrong key so, and signs in with a right one", async () => {
      const { page, errors, context } = await open("/", undefined);
      try {
        await page.locator('input[name="api-key"]').waitFor();
        await page.locator('input[name="api-key"]').fill("wnxt_not_a_key_of_this_server");
        await page.getByRole("button", { name: "Sign in" }).click();
        await page.getByRole("alert").filter({ hasText: "The server refused that key (invalid credentials)" }).waitFor();
        assert.equal(await page.evaluate(() => sessionStorage.getItem("whatsnext.apiKey")), null, "a refused key is not kept");
        await page.locator('input[name="api-key"]').fill(keys.viewer);
        await page.getByRole("button", { name: "Sign in" }).click();
        await page.locator('.identity[data-role="viewer"]').waitFor();
        assert.equal(await page.evaluate(() => sessionStorage.getItem("whatsnext.apiKey")), keys.viewer, "the key is kept in sessionStorage");
        assert.equal(await page.evaluate(() => localStorage.length), 0, "nothing in localStorage");
        // The only errors are the browser's own log line for the refused call (HTTP 401).
        assert.ok(errors.every((e) => /401/.test(e)), errors.join("\n"));
      } finally {
        await context.close();
      }
    });

    it("lists the project with its counts per status and a progress bar", async () => {
      await withPage("/", keys.viewer, async (page) => {
        const card = page.locator('[data-project="lr-sweep"]');
        await card.waitFor();
        const count = async (status: string) => Number(await card.locator(`[data-count="${status}"]`).textContent());
        assert.deepEqual(
          { pending: await count("pending"), running: await count("running"), completed: await count("completed"), failed: await count("failed"), blocked: await count("blocked"), cancelled: await count("cancelled") },
          { pending: 6, running: 1, completed: 1, failed: 1, blocked: 1, cancelled: 0 },
        );
        assert.equal(await card.locator(".progress-part").count(), 5, "one bar part per status present");
        assert.match((await card.locator(".progress").getAttribute("aria-label")) ?? "", /1 of 10 completed/);
      });
    });

    it("shows a job created after the page loaded, and its status changes, without a reload", async () => {
      await withPage(`/projects/${projectId}`, keys.viewer, async (page) => {
        await page.locator('[data-live="live"]').waitFor();
        await page.locator(`tr[data-job-id="${report.id}"]`).waitFor();
        assert.equal(await rowCount(page), 10);
        await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));

        const late = (await client(JobService).createJob({ projectId, task: { case: "taskName", value: "report" }, name: "late-arrival", priority: 10 })).job!;
        await page.locator(`tr[data-job-id="${late.id}"][data-status="pending"]`).waitFor();
        const workers = client(WorkerService);
        const claimed = (await workers.fetchJob({ workerId: "gpu-box-1", project: { case: "projectId", value: projectId }, maxJobs: 1 })).jobs[0]!;
        assert.equal(claimed.id, late.id, "the high-priority job is claimed first");
        await page.locator(`tr[data-job-id="${late.id}"][data-status="queued"]`).waitFor();
        await workers.startJob({ jobId: late.id, workerId: "gpu-box-1", command: "python report.py" });
        await page.locator(`tr[data-job-id="${late.id}"][data-status="running"]`).waitFor();
        await workers.finishJob({ jobId: late.id, workerId: "gpu-box-1", success: true, exitCode: 0 });
        await page.locator(`tr[data-job-id="${late.id}"][data-status="completed"]`).waitFor();
        // The stats at the top follow too.
        await waitFor(page, "stats count the new job", () => document.querySelector<HTMLElement>(".queue-stats")?.dataset.total === "11", undefined);
        assert.equal(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument), true, "the page was not reloaded");
      });
    });

    it("narrows the table by status, task, name and parameter values, and sorts it", async () => {
      await withPage(`/projects/${projectId}`, keys.viewer, async (page) => {
        await page.locator('[data-live="live"]').waitFor();
        await page.locator(`tr[data-job-id="${report.id}"]`).waitFor();
        const total = Number((await client(JobService).getQueueStats({ projectId })).total);
        await waitForRows(page, "every job", total);

        await page.locator('input[name="status"][value="failed"]').check();
        await waitForRows(page, "one failed job", 1);
        assert.equal(await page.locator("table.jobs tbody tr").getAttribute("data-job-id"), String(failed.id));
        assert.match(page.url(), /status=failed/);

        await page.goBack();
        await waitForRows(page, "back to every job", total);

        await page.locator('select[name="task"]').selectOption("report");
        await waitForRows(page, "the two report jobs", 2);
        await page.getByRole("link", { name: "Clear filters" }).click();
        await waitForRows(page, "every job again", total);

        await page.locator('input[name="param"]').fill("seed=2");
        await page.locator('input[name="param"]').press("Enter");
        await waitForRows(page, "the three seed-2 jobs", 3);
        await page.locator('input[name="name"]').fill("lr0.01-");
        await page.locator('input[name="name"]').press("Enter");
        await waitForRows(page, "one job named lr0.01-…", 1);
        assert.equal(await page.locator("table.jobs tbody tr").getAttribute("data-job-id"), String(sweep.get("lr0.01-s2")!.id));
        await page.getByRole("link", { name: "Clear filters" }).click();
        await waitForRows(page, "every job again", total);

        // Sorting by id, descending: the newest job first.
        await page.locator('a[data-sort="id"]').click();
        await firstRowIs(page, "sorted by id, descending", sweep.get("lr0.1-s1")!.id, false);
        const ids = await page.locator("table.jobs tbody tr").evaluateAll((rows) => rows.map((r) => Number((r as HTMLElement).dataset.jobId)));
        assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
        if (SCREENSHOTS) {
          await page.getByRole("link", { name: "#" }).click();
          await firstRowIs(page, "sorted by id again", sweep.get("lr0.1-s1")!.id);
          mkdirSync(SCREENSHOTS, { recursive: true });
          await page.screenshot({ path: `${SCREENSHOTS}dashboard-queue.png` });
        }
      });
    });

    it("pages through the API's page tokens, with Next and Previous", async () => {
      // A project of its own, longer than one page of 50.
      const long = (await client(ProjectService).createProject({ name: "long-queue" })).project!;
      await client(TaskService).createTask({ projectId: long.id, name: "step" });
      const { jobIds } = await client(JobService).batchCreateJobs({ projectId: long.id, jobs: Array.from({ length: 71 }, (_, i) => ({ task: { case: "taskName" as const, value: "step" }, name: `step-${i}` })) });
      await withPage(`/projects/${long.id}`, keys.viewer, async (page) => {
        await page.locator(`tr[data-job-id="${jobIds[0]}"]`).waitFor();
        assert.equal(await rowCount(page), 50);
        await page.getByRole("button", { name: "Next →" }).click();
        await page.locator(`tr[data-job-id="${jobIds[70]}"]`).waitFor();
        assert.equal(await rowCount(page), 21);
        assert.match(page.url(), /page=/);
        await page.getByRole("button", { name: "← Previous" }).click();
        await page.locator(`tr[data-job-id="${jobIds[0]}"]`).waitFor();
        assert.equal(await rowCount(page), 50);
        // Back goes to the second page again; after a reload it still has a way back to the first.
        await page.goBack();
        await page.locator(`tr[data-job-id="${jobIds[70]}"]`).waitFor();
        await page.reload();
        await page.locator(`tr[data-job-id="${jobIds[70]}"]`).waitFor();
        await page.getByRole("button", { name: /First page|Previous/ }).click();
        await page.locator(`tr[data-job-id="${jobIds[0]}"]`).waitFor();
      });
    });

    it("draws the sweep as a grid coloured by status; a cell opens its job", async () => {
      await withPage(`/projects/${projectId}/sweep`, keys.viewer, async (page) => {
        const grid = page.locator("table.sweep-grid");
        await grid.waitFor();
        assert.equal(await grid.getAttribute("data-x"), "lr");
        assert.equal(await grid.getAttribute("data-y"), "seed");
        assert.equal(await grid.locator("a.cell").count(), 9);
        assert.equal(await grid.locator('a.cell[data-status="failed"]').count(), 1);
        assert.equal(await grid.locator('a.cell[data-status="completed"]').count(), 1);
        assert.equal(await grid.locator('a.cell[data-status="running"]').count(), 1);
        if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}dashboard-sweep.png` });
        await grid.locator('a.cell[data-status="failed"]').click();
        await page.locator(`article[data-job-id="${failed.id}"]`).waitFor();
        assert.equal(new URL(page.url()).pathname, `/jobs/${failed.id}`);
        await page.goBack();
        await grid.waitFor();
        assert.equal(new URL(page.url()).pathname, `/projects/${projectId}/sweep`);
      });
    });

    it("opens a job from a deep link, with its parameters, run, output and dependents", async () => {
      await withPage(`/jobs/${failed.id}`, keys.viewer, async (page) => {
        const article = page.locator(`article[data-job-id="${failed.id}"]`);
        await article.waitFor();
        assert.equal(new URL(page.url()).pathname, `/jobs/${failed.id}`, "the deep link survives signing in");
        assert.equal(await article.locator('[data-parameter="lr"]').textContent(), "0.1");
        assert.equal(await article.locator('[data-parameter="seed"]').textContent(), "2");
        assert.equal(await article.locator("[data-exit-code]").textContent(), "1");
        assert.match((await article.locator("pre.output-tail").textContent()) ?? "", /RuntimeError: loss is NaN/);
        assert.match((await article.locator("code.command").textContent()) ?? "", /--lr 0\.1 --seed 2/);
        await article.locator('[data-related="dependents"]').getByText("report").waitFor();
      });
    });

    it("shows a viewer no Retry or Cancel", async () => {
      await withPage(`/jobs/${failed.id}`, keys.viewer, async (page) => {
        await page.locator(`article[data-job-id="${failed.id}"] [data-exit-code]`).waitFor();
        await page.locator('[data-live="live"]').waitFor();
        assert.equal(await page.getByRole("button", { name: "Retry" }).count(), 0);
        assert.equal(await page.getByRole("button", { name: "Cancel" }).count(), 0);
      });
      await withPage(`/jobs/${running.id}`, keys.viewer, async (page) => {
        await page.locator(`article[data-job-id="${running.id}"] [data-exit-code]`).waitFor();
        assert.equal(await page.getByRole("button", { name: "Cancel" }).count(), 0);
      });
    });

    it("follows a running job's output live, scrolling with it until the reader scrolls up", async () => {
      const workers = client(WorkerService);
      let seq = 0n;
      const append = (lines: string[], stream = OutputStream.STDOUT) =>
        workers.appendJobOutput({ jobId: running.id, workerId: "gpu-box-1", attempt: running.runs, seq: ++seq, chunks: [{ stream, text: lines.join("") }] });
      await withPage(`/jobs/${running.id}`, keys.viewer, async (page) => {
        const output = page.locator('.job-live-output[data-output-state="live"]');
        await output.waitFor();
        await append(["epoch 1 loss 0.93\n"]);
        await output.locator(".live-output").getByText("epoch 1 loss 0.93").waitFor();
        await append(["warning: slow data loader\n"], OutputStream.STDERR);
        await output.locator(".out-stderr").getByText("warning: slow data loader").waitFor();
        // More than the box shows: it keeps the newest line in view.
        await append(Array.from({ length: 80 }, (_, i) => `epoch ${i + 2} loss 0.5\n`));
        await output.getByText("epoch 81 loss 0.5").waitFor();
        const atBottom = () => document.querySelector(".live-output")!.scrollTop + document.querySelector(".live-output")!.clientHeight >= document.querySelector(".live-output")!.scrollHeight - 30;
        await waitFor(page, "the output scrolled to its newest line", atBottom, undefined);
        // The reader scrolls up: new output no longer moves the view.
        await page.locator(".live-output").evaluate((el) => (el.scrollTop = 0));
        await append(["epoch 82 loss 0.4\n"]);
        await output.getByText("epoch 82 loss 0.4").waitFor();
        assert.equal(await page.locator(".live-output").evaluate((el) => el.scrollTop), 0, "the view stays where the reader put it");
      });
    });

    it("retries a failed job for a submitter: it turns pending, and its blocked dependent with it", async () => {
      await withPage(`/jobs/${failed.id}`, keys.submitter, async (page) => {
        const article = page.locator(`article[data-job-id="${failed.id}"]`);
        await article.locator(".page-title [data-status=failed]").waitFor();
        await page.locator('[data-live="live"]').waitFor();
        assert.equal(await page.getByRole("button", { name: "Cancel" }).count(), 0, "a failed job cannot be cancelled");
        await page.getByRole("button", { name: "Retry" }).click();
        await article.locator(".page-title [data-status=pending]").waitFor();
        await article.locator('[data-related="dependents"] [data-status="pending"]').waitFor();
        assert.equal((await client(JobService).getJob({ id: failed.id })).job!.status, JobStatus.PENDING);
        // Now it can be cancelled, after a second confirmation.
        await page.getByRole("button", { name: "Cancel" }).click();
        await page.getByRole("button", { name: "Yes, cancel it" }).click();
        await article.locator(".page-title [data-status=cancelled]").waitFor();
        assert.equal((await client(JobService).getJob({ id: failed.id })).job!.status, JobStatus.CANCELLED);
      });
    });

    it("lists workers with their resources, last heartbeat and held jobs", async () => {
      await withPage("/workers", keys.viewer, async (page) => {
        const row = page.locator('tr[data-worker-id="gpu-box-1"]');
        await row.waitFor();
        assert.match((await row.textContent()) ?? "", /active/);
        assert.match((await row.textContent()) ?? "", /ago|just now/);
        await row.getByRole("link", { name: `#${running.id}` }).waitFor();
      });
    });

    it("shows an API error as a readable line with the request id", async () => {
      await withPage("/jobs/987654321", keys.viewer, async (page) => {
        const alert = page.getByRole("alert");
        await alert.waitFor();
        assert.match((await alert.textContent()) ?? "", /job 987654321.*not found.*request id web-[0-9a-f]+/);
      }).catch((err: Error) => {
        // The refused call's HTTP 404 is the browser's own log line; nothing else may be logged.
        if (!/no console errors/.test(err.message) || !/404/.test(err.message) || /page error/.test(err.message)) throw err;
      });
    });

    it("stays usable on a phone-sized screen", async () => {
      await withPage(
        `/projects/${projectId}`,
        keys.viewer,
        async (page) => {
          await page.locator('[data-live="live"]').waitFor();
          await page.locator("table.jobs").waitFor();
          // The page itself never scrolls sideways; only the table's own box does.
          assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true);
          await page.getByRole("link", { name: "Workers" }).click();
          await page.locator('tr[data-worker-id="gpu-box-1"]').waitFor();
          assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true);
        },
        { width: 375, height: 700 },
      );
    });
  });
}

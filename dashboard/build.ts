import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { brotliCompress, constants as zlibConstants, gzip } from "node:zlib";

/**
 * The package's root: the nearest folder above this file holding WhatsNext's
 * package.json. This file runs from dashboard/ (sources, through tsx) and from
 * dist/node/dashboard/ (the compiled server), so the root is found, not assumed.
 */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      if ((JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string }).name === "whatsnext") return dir;
    } catch {
      // No package.json here: look further up.
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`no WhatsNext package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

const REPOSITORY_ROOT = packageRoot();
/** The dashboard's sources (absent from an installed package, which ships the built dashboard). */
export const DASHBOARD_SOURCE_DIR = join(REPOSITORY_ROOT, "dashboard");
/** Where the built dashboard goes; the server serves it from here. Never committed (.gitignore). */
export const DASHBOARD_OUT_DIR = join(REPOSITORY_ROOT, "dist", "dashboard");
/** The folder under DASHBOARD_OUT_DIR (and the URL path) of the content-hashed assets. */
export const ASSETS_FOLDER = "assets";

// The bundle also depends on the generated descriptors and on the locked dependency versions.
const INPUTS = [DASHBOARD_SOURCE_DIR, join(REPOSITORY_ROOT, "gen"), join(REPOSITORY_ROOT, "package-lock.json")];
// Source maps are fetched by developer tools only: not worth brotli's time.
const COMPRESSIBLE = /\.(js|css|html|svg|json)$/;

/**
 * True when dist/dashboard has no index.html, or any source of the bundle
 * (this folder, gen/, package-lock.json) changed after it was written, so
 * the server rebuilds at start after a `git pull` without a new `npm ci`.
 */
export async function dashboardIsStale(): Promise<boolean> {
  const built = await stat(join(DASHBOARD_OUT_DIR, "index.html")).catch(() => undefined);
  if (!built) return true;
  for (const input of INPUTS) if ((await newestChange(input)) > built.mtimeMs) return true;
  return false;
}

async function newestChange(path: string): Promise<number> {
  const s = await stat(path).catch(() => undefined);
  if (!s) return 0;
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const entry of await readdir(path)) newest = Math.max(newest, await newestChange(join(path, entry)));
  return newest;
}

/** What a build wrote, for the log. */
export interface DashboardBuild {
  readonly outDir: string;
  readonly files: readonly string[];
  readonly bytes: number;
}

/**
 * Bundles dashboard/src into dist/dashboard: content-hashed assets (with
 * .gz and .br beside each text file, so the server compresses nothing per
 * request) and an index.html naming them. index.html is written last and
 * by rename, so a server or a second build reading the folder meanwhile
 * sees the old page or the new one, never half of one; assets of earlier
 * builds are removed afterwards.
 */
export async function buildDashboard(outDir: string = DASHBOARD_OUT_DIR): Promise<DashboardBuild> {
  // Loaded here, not at the top: a server that finds the dashboard built never loads esbuild.
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: [join(DASHBOARD_SOURCE_DIR, "src", "main.tsx"), join(DASHBOARD_SOURCE_DIR, "src", "favicon.svg")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["es2022", "chrome110", "firefox110", "safari16"],
    minify: true,
    sourcemap: "linked",
    legalComments: "linked",
    jsx: "automatic",
    jsxImportSource: "preact",
    loader: { ".svg": "copy" },
    entryNames: `${ASSETS_FOLDER}/[name]-[hash]`,
    assetNames: `${ASSETS_FOLDER}/[name]-[hash]`,
    outdir: outDir,
    tsconfig: join(DASHBOARD_SOURCE_DIR, "tsconfig.json"),
    metafile: true,
    write: false,
    logLevel: "silent",
  });
  const url = (path: string) => "/" + relative(outDir, path).split("\\").join("/");
  const script = result.outputFiles.find((f) => f.path.endsWith(".js") && basename(f.path).startsWith("main-"));
  const style = result.outputFiles.find((f) => f.path.endsWith(".css") && basename(f.path).startsWith("main-"));
  const icon = result.outputFiles.find((f) => f.path.endsWith(".svg"));
  if (!script || !style || !icon) throw new Error(`the dashboard build is missing its script, style or icon: ${result.outputFiles.map((f) => url(f.path)).join(", ")}`);
  const template = await readFile(join(DASHBOARD_SOURCE_DIR, "index.html"), "utf8");
  const html = fillTemplate(template, { SCRIPT: url(script.path), STYLE: url(style.path), ICON: url(icon.path) });

  await mkdir(join(outDir, ASSETS_FOLDER), { recursive: true });
  const written = new Set<string>();
  let bytes = 0;
  for (const file of result.outputFiles) {
    await writeWithCompressed(file.path, Buffer.from(file.contents), written);
    bytes += file.contents.byteLength;
  }
  const index = join(outDir, "index.html");
  const temporary = `${index}.${process.pid}.tmp`;
  await writeWithCompressed(temporary, Buffer.from(html), new Set());
  for (const suffix of [".gz", ".br", ""]) await rename(temporary + suffix, index + suffix);
  for (const suffix of ["", ".gz", ".br"]) written.add(index + suffix);
  // Assets of earlier builds go; a concurrent build's temporary files are left to it.
  for (const entry of await readdir(join(outDir, ASSETS_FOLDER))) {
    const path = join(outDir, ASSETS_FOLDER, entry);
    if (!written.has(path) && !entry.endsWith(".tmp")) await rm(path, { force: true });
  }
  return { outDir, files: [...written].map(url), bytes: bytes + html.length };
}

/** Replaces each `%NAME%` of the template; a placeholder left unfilled is a build error, not a broken page. */
function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  const html = template.replace(/%([A-Z]+)%/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`dashboard/index.html has an unknown placeholder ${whole}`);
    return value;
  });
  return html;
}

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/**
 * Writes a file and its .gz and .br forms, each through a temporary file and
 * a rename: a server loading the folder, or a second build writing the same
 * content-hashed names at the same time, never sees half a file.
 */
async function writeWithCompressed(path: string, contents: Buffer, written: Set<string>): Promise<void> {
  const atomically = async (target: string, data: Buffer) => {
    const temporary = `${target}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
    await writeFile(temporary, data);
    await rename(temporary, target);
    written.add(target);
  };
  await atomically(path, contents);
  if (!COMPRESSIBLE.test(path.replace(/\.\d+\.tmp$/, ""))) return;
  await atomically(`${path}.gz`, await gzipAsync(contents, { level: 9 }));
  await atomically(`${path}.br`, await brotliAsync(contents, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: contents.length } }));
}

// `npm run build:dashboard` runs this file.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now();
  buildDashboard().then(
    (b) => console.log(`dashboard built into ${relative(process.cwd(), b.outDir) || "."} (${b.files.length} files, ${Math.round(b.bytes / 1024)} KiB before compression) in ${Math.round(performance.now() - started)} ms`),
    (err: Error) => {
      console.error(`dashboard build failed: ${err.message}`);
      process.exitCode = 1;
    },
  );
}

#!/usr/bin/env node
// The `whatsnext` / `wnxt` command. It runs the compiled JavaScript in
// dist/node (built by `npm ci` / `npm run build`, and the only code an
// installed package ships). In a clone whose sources changed after the last
// build, it runs the TypeScript sources through tsx instead, so a command
// never runs stale code; `npm run build` makes it fast again.
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const compiled = join(root, "dist", "node", "src", "cli", "main.js");
// Written by every build that changed anything (tsc --incremental), so it dates the build as a whole.
const buildStamp = join(root, "dist", "node", ".tsbuildinfo");

/** The newest modification time under a folder (0 when it does not exist). */
function newest(path) {
  let s;
  try {
    s = statSync(path);
  } catch {
    return 0;
  }
  if (!s.isDirectory()) return s.mtimeMs;
  let latest = s.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

const sources = join(root, "src");
const stale =
  !existsSync(compiled) ||
  (existsSync(sources) &&
    (!existsSync(buildStamp) || Math.max(newest(sources), newest(join(root, "gen")), newest(join(root, "dashboard", "build.ts"))) > statSync(buildStamp).mtimeMs));
if (!stale && !process.env.WHATSNEXT_FROM_SOURCE) {
  await import(compiled);
} else {
  // The big JavaScript dependencies are loaded before tsx's hooks are installed: through the hooks every one of
  // their files costs a round trip.
  await Promise.all(["@connectrpc/connect", "@connectrpc/connect-node", "@bufbuild/protobuf", "@bufbuild/protobuf/wkt", "commander", "yaml"].map((m) => import(m)));
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/main.ts");
}

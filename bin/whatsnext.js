#!/usr/bin/env node
// The `whatsnext` / `wnxt` command: runs the TypeScript CLI through tsx.
// The big JavaScript dependencies are loaded before tsx's hooks are installed:
// through the hooks every one of their files costs a round trip, which made
// each command start about a third slower.
await Promise.all([
  import("@connectrpc/connect"),
  import("@connectrpc/connect-node"),
  import("@bufbuild/protobuf"),
  import("@bufbuild/protobuf/wkt"),
  import("commander"),
  import("yaml"),
]);
const { register } = await import("tsx/esm/api");
register();
await import("../src/cli/main.ts");

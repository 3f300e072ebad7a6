import { after, before } from "node:test";
import { runCli, type CliResult } from "./run-cli.js";
import { startTestServer, type TestServer } from "./test-server.js";

/** A test file's server for the `whatsnext` command, and the command pointed at it. */
export interface CliServer {
  /** The server (started in before()). */
  readonly server: TestServer;
  /** WHATSNEXT_SERVER set to the server. */
  readonly env: Record<string, string>;
  /** Runs the CLI against the server in a fresh folder (or cwd), with extraEnv on top. */
  wn(args: string[], extraEnv?: Record<string, string>, cwd?: string): Promise<CliResult>;
}

/** Starts a server for this test file before its tests and closes it after them (registers the hooks). */
export function useCliServer(): CliServer {
  let server: TestServer | undefined;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.close();
  });
  const started = (): TestServer => {
    if (!server) throw new Error("the CLI's test server starts in before(); use it inside a test");
    return server;
  };
  const env = (): Record<string, string> => ({ WHATSNEXT_SERVER: started().url });
  return {
    get server() {
      return started();
    },
    get env() {
      return env();
    },
    wn: (args, extraEnv = {}, cwd) => runCli(args, { env: { ...env(), ...extraEnv }, cwd }),
  };
}

import { spawnSync } from "node:child_process";
import net from "node:net";

/**
 * Tests that need a tool outside Node (curl, openssl, Redis) skip with the
 * reason on a machine without it, so `npm test` passes where only Node is
 * installed. In CI (CI=true) nothing is skipped: a missing tool fails there.
 */
function skipUnlessCi(reason: string): string | false {
  return process.env.CI === "true" ? false : reason;
}

/** false when the command runs, else the reason to skip. */
export function skipWithoutCommand(command: string, probeArgs: string[] = ["--version"]): string | false {
  const probe = spawnSync(command, probeArgs, { stdio: "ignore" });
  return probe.status === 0 ? false : skipUnlessCi(`needs ${command} on PATH`);
}

/** false when Redis answers PING at the URL, else the reason to skip. */
export async function skipWithoutRedis(url: string): Promise<string | false> {
  const { hostname, port } = new URL(url);
  const answered = await new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 6379) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
  return answered ? false : skipUnlessCi(`needs Redis at ${url}`);
}

/**
 * The value of an unlabelled metric (a gauge or a counter) in a server's
 * /metrics, or undefined when the server does not report it.
 */
export async function metricValue(serverUrl: string, name: string): Promise<number | undefined> {
  const body = await (await fetch(new URL("/metrics", serverUrl))).text();
  const match = new RegExp(`^${name} (\\S+)$`, "m").exec(body);
  return match ? Number(match[1]) : undefined;
}

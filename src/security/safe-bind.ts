import net from "node:net";
import type { Logger } from "pino";

/** Thrown when the server would listen beyond loopback without authentication. */
export class InsecureBindError extends Error {}

/** Whether a host name or address only reaches this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h === "::1") return true;
  if (h.startsWith("::ffff:")) return isLoopbackHost(h.slice(7));
  return net.isIPv4(h) && h.startsWith("127.");
}

/**
 * Secure by default: without authentication (no API keys, no mTLS) every
 * caller is an admin, so the server may only listen on loopback. A wider
 * bind is refused unless WHATSNEXT_INSECURE=true, and then warned about at
 * every start.
 */
export function assertSafeBind(config: { WHATSNEXT_HOST: string; WHATSNEXT_INSECURE: boolean }, authEnabled: boolean, logger: Logger): void {
  if (authEnabled || isLoopbackHost(config.WHATSNEXT_HOST)) return;
  if (!config.WHATSNEXT_INSECURE) {
    throw new InsecureBindError(
      `refusing to listen on ${config.WHATSNEXT_HOST} without authentication: set WHATSNEXT_API_KEYS, WHATSNEXT_API_KEYS_FILE or WHATSNEXT_TLS_CLIENT_CA_FILE, bind to 127.0.0.1, or set WHATSNEXT_INSECURE=true to accept that anyone who reaches the port is an admin`,
    );
  }
  logger.warn({ host: config.WHATSNEXT_HOST }, "INSECURE: listening beyond loopback without authentication; anyone who reaches the port is an admin (WHATSNEXT_INSECURE=true)");
}

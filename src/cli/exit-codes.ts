/**
 * The CLI's promise to scripts: 0 when the command did its work, 1 when it
 * failed (the server refused or could not be reached), 2 when it was called
 * wrongly (bad flags, bad file, no project). The message goes to stderr.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { CommanderError } from "commander";
import { ClientOptionsError } from "../client/connect.js";
import { ConfigFileError } from "../client/config-file.js";
import { UsageError } from "./usage-error.js";

/** Success. */
export const EXIT_OK = 0;
/** The work failed: an error from the server, a job that failed, a lost connection. */
export const EXIT_FAILURE = 1;
/** The call was wrong: fix the command line or the configuration. */
export const EXIT_USAGE = 2;

/** Writes the error for a person and returns the exit code it deserves. */
export function reportError(err: unknown, server: string | undefined, write: (line: string) => void = (l) => process.stderr.write(l)): number {
  if (err instanceof CommanderError) {
    // commander has already printed its message (or the help)
    return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  if (err instanceof UsageError || err instanceof ConfigFileError || err instanceof ClientOptionsError) {
    write(`error: ${err.message}\n`);
    return EXIT_USAGE;
  }
  if (err instanceof ConnectError) {
    const scheme = wrongScheme(err, server);
    if (scheme) {
      write(`error: ${scheme}\n`);
      return EXIT_FAILURE;
    }
    if (err.code === Code.Unavailable || (err.code === Code.Unknown && /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH/.test(err.message))) {
      write(`error: cannot reach the server at ${server ?? "?"}: ${err.rawMessage}\n`);
    } else if (err.code === Code.Unauthenticated) {
      write(`error: ${err.rawMessage} (unauthenticated: pass --api-key or --api-key-file, or set WHATSNEXT_API_KEY)\n`);
    } else {
      write(`error: ${err.rawMessage} (${codeName(err.code)})\n`);
    }
    return EXIT_FAILURE;
  }
  write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  return EXIT_FAILURE;
}

/** The gRPC code name in snake case, as the Connect protocol spells it (`not_found`). */
export function codeName(code: Code): string {
  return (Code[code] ?? String(code)).replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}

/**
 * A sentence for an https:// URL that reaches a cleartext server, which
 * OpenSSL reports as a "wrong version number" record (the server answered
 * with HTTP/2 frames, not a TLS handshake).
 */
function wrongScheme(err: ConnectError, server: string | undefined): string | undefined {
  if (!server?.startsWith("https://")) return undefined;
  if (!/wrong version number|WRONG_VERSION_NUMBER|ssl3_get_record|packet length too long/i.test(err.message)) return undefined;
  const cleartext = `http://${server.slice("https://".length)}`;
  return `the server at ${server} does not speak TLS: it looks like a cleartext server. Use ${cleartext} (--server, WHATSNEXT_SERVER or server: in .whatsnext), or start the server with WHATSNEXT_TLS_CERT_FILE and WHATSNEXT_TLS_KEY_FILE`;
}

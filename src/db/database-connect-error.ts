import pg from "pg";

/**
 * The server could not open its first connection to PostgreSQL at start-up.
 * Its message is one line for the operator, where a stack trace would bury
 * it: what failed, where (DATABASE_URL without its password), and what to do.
 * `whatsnext serve` prints it and exits non-zero.
 */
export class DatabaseConnectError extends Error {
  override readonly name = "DatabaseConnectError";

  constructor(
    /** DATABASE_URL without its password. */
    readonly url: string,
    /** What failed, in the reader's terms. */
    readonly problem: string,
    /** What to do about it. */
    readonly remedy: string,
    options: { cause: unknown },
  ) {
    super(`could not connect to the database at DATABASE_URL=${url}: ${problem}; ${remedy}`, options);
  }

  /** Explains why connecting to url failed, from the driver's, TLS's or PostgreSQL's error. */
  static from(url: string, err: unknown): DatabaseConnectError {
    const { problem, remedy } = explain(url, err);
    return new DatabaseConnectError(withoutPassword(url), oneLine(problem), oneLine(remedy), { cause: err });
  }
}

/** The URL as it may be shown: no password, neither in the user part nor as a `password` parameter. */
export function withoutPassword(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "(not shown: it is not a valid URL)";
  }
  parsed.password = "";
  if (parsed.searchParams.has("password")) parsed.searchParams.delete("password");
  return parsed.toString();
}

/** Errors of Node's TLS stack that mean the certificate chain does not lead to a trusted CA. */
const UNTRUSTED_CHAIN = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_SIGNATURE_FAILURE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "INVALID_CA",
]);

const NO_ANSWER = new Set(["ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN"]);

interface Explanation {
  readonly problem: string;
  readonly remedy: string;
}

function explain(url: string, err: unknown): Explanation {
  const target = describeTarget(url);
  // A connect to several addresses of one name fails with all of them; the first says why.
  const first = err instanceof AggregateError && err.errors.length > 0 ? err.errors[0] : err;
  const e = (first ?? {}) as { code?: unknown; message?: unknown; path?: unknown };
  const code = typeof e.code === "string" ? e.code : "";
  const message = typeof e.message === "string" ? e.message : String(first);

  if (first instanceof pg.DatabaseError) return explainServerRefusal(first, target);
  if (UNTRUSTED_CHAIN.has(code)) {
    return target.rootCert
      ? { problem: `the server's certificate is not signed by the CA in sslrootcert ${target.rootCert} (${message})`, remedy: "set sslrootcert to the CA file that signed the database server's certificate" }
      : { problem: `the server's certificate is not signed by a CA this machine trusts (${message})`, remedy: "add sslrootcert=/path/to/ca.pem, the CA that signed the database server's certificate" };
  }
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    const cert = (first as { cert?: { subjectaltname?: string; subject?: { CN?: string } } }).cert;
    const names = cert?.subjectaltname || (cert?.subject?.CN ? `CN=${cert.subject.CN}` : undefined);
    return {
      problem: `the server's certificate is not issued for host ${target.host} (${names ? `it names ${names}` : message})`,
      remedy: `connect with a host name the certificate carries, or give the server a certificate for ${target.host}`,
    };
  }
  if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID") {
    return { problem: `the server's certificate ${code === "CERT_HAS_EXPIRED" ? "has expired" : "is not valid yet"}`, remedy: "renew the database server's certificate (or check this machine's clock)" };
  }
  if (/does not support SSL/i.test(message)) {
    return { problem: `the server at ${target.address} does not accept TLS connections (ssl is off there)`, remedy: "turn on ssl in the database server's configuration, or remove sslmode from DATABASE_URL" };
  }
  if (code.startsWith("ERR_TLS_") || code.startsWith("ERR_SSL_") || code.startsWith("ERR_OSSL_") || code.startsWith("CERT_")) {
    return { problem: `the TLS handshake with ${target.address} failed (${message})`, remedy: "check that sslrootcert, sslcert and sslkey are PEM files that belong together, and the server's ssl settings" };
  }
  if (typeof e.path === "string" && (code === "ENOENT" || code === "EACCES" || code === "EISDIR" || code === "EPERM")) {
    const parameter = target.fileParameters.get(e.path);
    return {
      problem: `cannot read ${parameter ? `${parameter} ` : ""}${e.path} (${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "a folder, not a file" : "permission denied"})`,
      remedy: `correct ${parameter ?? "the path"} or the file's permissions`,
    };
  }
  if (code === "ECONNREFUSED") {
    return { problem: `nothing accepts connections at ${target.address} (connection refused)`, remedy: "start PostgreSQL there, or correct the host and port" };
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return { problem: `the host name ${target.host} could not be resolved (${code})`, remedy: "correct the host name" };
  }
  if (NO_ANSWER.has(code) || /timeout/i.test(message)) {
    return { problem: `no answer from ${target.address} (${message})`, remedy: "check that the server is up and reachable from this machine (address, firewall)" };
  }
  if (code === "ECONNRESET" || /Connection terminated/i.test(message)) {
    return { problem: `the server at ${target.address} closed the connection (${message})`, remedy: "see the database server's log for why" };
  }
  return { problem: message, remedy: "check DATABASE_URL and the database server's log" };
}

/** PostgreSQL answered, and refused: no such database, no such role, wrong password, pg_hba.conf, starting up. */
function explainServerRefusal(err: pg.DatabaseError, target: Target): Explanation {
  const said = err.message;
  switch (err.code) {
    case "3D000":
      return { problem: said, remedy: `create it (createdb ${target.database}) or correct the database name` };
    case "28P01":
      return { problem: said, remedy: "correct the user name or the password" };
    case "28000":
      if (/certificate/i.test(said)) {
        return { problem: said, remedy: "give sslcert and sslkey a client certificate from a CA the server trusts, whose common name the server maps to this user" };
      }
      return { problem: said, remedy: "correct the user name, or ask for the server's pg_hba.conf to admit this client" };
    case "57P03":
      return { problem: said, remedy: "start again once the database server is up" };
    case "53300":
      return { problem: said, remedy: "raise max_connections on the server or close other clients" };
    default:
      return { problem: `${said} (SQLSTATE ${err.code ?? "unknown"})`, remedy: "see the database server's log" };
  }
}

/** What the URL points at, in the words the explanations use. */
interface Target {
  readonly host: string;
  readonly address: string;
  readonly database: string;
  readonly rootCert: string | undefined;
  /** The TLS file parameters by path, to name the one that could not be read. */
  readonly fileParameters: Map<string, string>;
}

function describeTarget(url: string): Target {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  const params = parsed?.searchParams;
  const host = params?.get("host") ?? (decodeURIComponent(parsed?.hostname ?? "").replace(/^\[(.*)\]$/, "$1") || "localhost");
  const port = params?.get("port") ?? (parsed?.port || "5432");
  const fileParameters = new Map<string, string>();
  for (const name of ["sslrootcert", "sslcert", "sslkey"]) {
    const path = params?.get(name);
    if (path) fileParameters.set(path, name);
  }
  return {
    host,
    address: `${host}:${port}`,
    database: decodeURIComponent(parsed?.pathname.slice(1) ?? "") || "(the user's name)",
    rootCert: params?.get("sslrootcert") ?? undefined,
    fileParameters,
  };
}

/** Driver and server messages are one line already; this keeps it so whatever they say. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

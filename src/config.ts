import { bool, cleanEnv, makeValidator, num, str, EnvError } from "envalid";

/** A number that must be a whole number of at least `min`. */
const intAtLeast = (min: number) =>
  makeValidator<number>((input) => {
    const value = Number(input);
    if (!Number.isInteger(value) || value < min) {
      throw new EnvError(`must be a whole number >= ${min}, got ${JSON.stringify(input)}`);
    }
    return value;
  });

/** A TCP port; 0 lets the system pick a free one. */
const port = makeValidator<number>((input) => {
  const value = Number(input);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new EnvError(`must be a port from 0 to 65535, got ${JSON.stringify(input)}`);
  return value;
});

/** A number of seconds that may be fractional but not negative. */
const secondsAtLeastZero = makeValidator<number>((input) => {
  const value = Number(input);
  if (!Number.isFinite(value) || value < 0) throw new EnvError(`must be a number of seconds >= 0, got ${JSON.stringify(input)}`);
  return value;
});

/** A duration as seconds: a number of seconds, or a number with s, m, h or d ("30d", "12h"); "0" is none. */
const duration = makeValidator<number>((input) => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$/.exec(String(input));
  if (!m) throw new EnvError(`must be a duration such as 45s, 90m, 12h or 30d (or 0 for none), got ${JSON.stringify(input)}`);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? "s") as "s" | "m" | "h" | "d"];
  return Number(m[1]) * unit;
});

const logLevel = makeValidator<string>((input) => {
  const levels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
  if (!levels.includes(input)) throw new EnvError(`must be one of ${levels.join(", ")}, got ${JSON.stringify(input)}`);
  return input;
});

/**
 * The server's whole configuration, validated once at start-up. Every variable
 * has a safe default; a bad value stops start-up with a line naming it.
 */
export const configSpec = {
  DATABASE_URL: str({ default: "", desc: "PostgreSQL connection URL; empty runs the embedded PGlite database" }),
  WHATSNEXT_DATA_DIR: str({ default: "./.whatsnext/data", desc: "Where the embedded database keeps its files" }),
  WHATSNEXT_HOST: str({ default: "127.0.0.1", desc: "Address to listen on" }),
  WHATSNEXT_PORT: port({ default: 50051, desc: "Port to listen on (0 picks a free one)" }),
  WHATSNEXT_API_KEYS: str({ default: "", desc: "Comma-separated API keys: a bare secret (admin) or name:role:secret" }),
  WHATSNEXT_API_KEYS_FILE: str({ default: "", desc: "File with one API key entry per line, same form as WHATSNEXT_API_KEYS" }),
  WHATSNEXT_INSECURE: bool({ default: false, desc: "Allow a non-loopback bind without authentication" }),
  WHATSNEXT_RATE_LIMIT_RPS: num({ default: 0, desc: "Token-bucket refill rate per principal, requests/s (0 = off)" }),
  WHATSNEXT_RATE_LIMIT_BURST: intAtLeast(0)({ default: 0, desc: "Token-bucket size per principal (0 = rate)" }),
  WHATSNEXT_RATE_LIMIT_REDIS_URL: str({ default: "", desc: "Redis URL to share rate limits between replicas" }),
  WHATSNEXT_RATE_LIMIT_FAILURE_POLICY: str({ choices: ["allow", "deny"], default: "allow", desc: "What to do when the rate-limit store is unreachable" }),
  WHATSNEXT_RATE_LIMIT_REDIS_PREFIX: str({ default: "whatsnext:rl:", desc: "Prefix of the rate-limit keys in Redis; replicas enforcing one limit share it" }),
  WHATSNEXT_TRUSTED_PROXIES: str({ default: "", desc: "Comma-separated CIDR ranges whose X-Forwarded-For is believed" }),
  WHATSNEXT_TLS_CERT_FILE: str({ default: "", desc: "PEM certificate; with the key file, serve TLS" }),
  WHATSNEXT_TLS_KEY_FILE: str({ default: "", desc: "PEM private key for WHATSNEXT_TLS_CERT_FILE" }),
  WHATSNEXT_TLS_CLIENT_CA_FILE: str({ default: "", desc: "PEM CA bundle; when set, clients must present a certificate from it (mTLS)" }),
  WHATSNEXT_TLS_CLIENT_ROLES: str({ default: "", desc: "Comma-separated identity:role[:project_id] for client certificates" }),
  WHATSNEXT_CORS_ORIGINS: str({ default: "", desc: "Comma-separated origins allowed to call from a browser" }),
  WHATSNEXT_LEASE_SECONDS: intAtLeast(1)({ default: 60, desc: "Lease a worker gets on a job; heartbeats extend it" }),
  WHATSNEXT_WORKER_TIMEOUT_SECONDS: intAtLeast(1)({ default: 120, desc: "A worker silent this long is marked inactive" }),
  WHATSNEXT_RETRY_BACKOFF_SECONDS: secondsAtLeastZero({ default: 5, desc: "First retry delay of a failed job; doubles per attempt, at most an hour" }),
  WHATSNEXT_REAPER_INTERVAL_MS: intAtLeast(10)({ default: 1000, desc: "How often each replica reaps expired leases" }),
  WHATSNEXT_MAX_LOST_LEASES: intAtLeast(0)({
    default: 3,
    desc: "Times a job may lose its worker (lease expired) and return to the queue without spending an attempt; one more fails it",
  }),
  WHATSNEXT_JOB_RETENTION: duration({ default: 30 * 86400, desc: "How long finished jobs (completed, failed, cancelled) are kept, e.g. 30d or 12h; 0 keeps them forever" }),
  WHATSNEXT_JOB_OUTPUT_MAX_BYTES: intAtLeast(1024)({
    default: 4 * 1024 * 1024,
    desc: "Output kept per attempt of a job, in bytes: past it the first half and the latest half are kept, with a notice of what was left out between",
  }),
  WHATSNEXT_JOB_OUTPUT_RETENTION: duration({
    default: 7 * 86400,
    desc: "How long the output of an ended attempt is kept, e.g. 7d or 12h; 0 keeps it as long as its job (the FinishJob tail stays with the attempt)",
  }),
  WHATSNEXT_METRICS_PUBLIC: bool({ default: false, desc: "Serve /metrics without a key even when authentication is on (otherwise a viewer key is needed)" }),
  WHATSNEXT_MAX_MESSAGE_BYTES: intAtLeast(1024)({ default: 16 * 1024 * 1024, desc: "Largest request message accepted" }),
  WHATSNEXT_HEADERS_TIMEOUT_MS: intAtLeast(100)({
    default: 10_000,
    desc: "Time a connection gets to complete its TLS handshake and send its first request's headers (and an HTTP/1.1 connection each request's); then it is closed",
  }),
  WHATSNEXT_IDLE_TIMEOUT_MS: intAtLeast(100)({
    default: 60_000,
    desc: "A connection with no call in progress for this long is closed; a long-poll FetchJob or a stream in progress keeps it open",
  }),
  WHATSNEXT_MAX_CONNECTIONS: intAtLeast(1)({
    default: 4096,
    desc: "Most client connections open at once; one more is closed as soon as it is accepted (each worker holds one, so raise it for larger fleets)",
  }),
  LOG_LEVEL: logLevel({ default: "info", desc: "pino log level" }),
  LOG_FORMAT: str({
    default: "auto",
    choices: ["auto", "json", "pretty"],
    desc: "Log lines as JSON (json) or readable text with local times and level and code names (pretty); auto is pretty on a terminal, JSON otherwise",
  }),
};

/** Thrown when the environment holds a bad value; the message names the variable. */
export class ConfigError extends Error {}

/**
 * Validates the environment (or the given overrides, for tests) against the
 * spec. Throws ConfigError with one line naming the first bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  return cleanEnv(env, configSpec, {
    reporter: ({ errors }) => {
      const first = Object.entries(errors)[0];
      if (!first) return;
      const [name, error] = first;
      throw new ConfigError(`invalid configuration: ${name} ${(error as Error).message}`);
    },
  });
}

export type ServerConfig = ReturnType<typeof loadConfig>;

import { ConfigError, loadConfig } from "../config.js";
import { DataDirLockedError } from "../db/data-dir-lock.js";
import { DatabaseConnectError } from "../db/database-connect-error.js";
import { prettyDestination, wantsPrettyLogs } from "../log-format.js";
import { createLogger } from "../logger.js";
import { startServer } from "../server/server.js";

/**
 * `whatsnext serve`: validates the environment, starts the server, and shuts
 * down gracefully on SIGINT or SIGTERM (a second signal exits at once). A bad
 * setting (exit 2), a database it cannot connect to, or an embedded database
 * folder another server holds (exit 1) ends start-up with one line on stderr.
 */
export async function serve(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL, wantsPrettyLogs(config.LOG_FORMAT) ? prettyDestination() : undefined);
  let server;
  try {
    server = await startServer(config, logger);
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      // One line a person can act on, not a stack: which server holds the folder and what to do.
      process.stderr.write(`could not start: ${err.message}\n`);
    } else if (err instanceof DatabaseConnectError) {
      // The operator's line: what failed, where, what to do. A stack trace would only bury it.
      process.stderr.write(`${err.message}\n`);
    } else {
      logger.fatal({ err }, "could not start");
    }
    process.exitCode = 1;
    return;
  }
  let signalled = false;
  const stop = (signal: string) => {
    if (signalled) process.exit(1);
    signalled = true;
    logger.info({ signal }, "shutting down");
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

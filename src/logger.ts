import { pino, type Logger } from "pino";

/** Creates the root logger; secrets never go through it (see redact paths). */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "whatsnext" },
      redact: { paths: ["authorization", "*.authorization", "apiKey", "*.apiKey", "secret", "*.secret"], censor: "[redacted]" },
    },
    destination,
  );
}

export type { Logger };

import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { ROLE_NAMES, type RoleName } from "./roles.js";

/** Every key the server generates starts with this, so leaked keys are easy to recognise and scan for. */
export const KEY_PREFIX = "wnxt_";
/** How many leading characters of a secret are stored and listed to recognise a key (prefix included). */
export const SHOWN_PREFIX_LENGTH = KEY_PREFIX.length + 6;
/** Configured secrets shorter than this are refused: a key must not be guessable. */
export const MIN_SECRET_LENGTH = 16;

/** A key from WHATSNEXT_API_KEYS or WHATSNEXT_API_KEYS_FILE: only its digest is kept in memory. */
export interface ConfiguredKey {
  readonly name: string;
  readonly role: RoleName;
  /** SHA-256 of the secret. */
  readonly digest: Buffer;
}

/** Thrown for a malformed key entry; the message names the source and entry number, never the secret. */
export class KeyConfigError extends Error {}

/** SHA-256 of a secret. Keys are random and long, so a fast hash suffices; it is what the database stores (hex). */
export function hashSecret(secret: string): Buffer {
  return createHash("sha256").update(secret, "utf8").digest();
}

/** A new random secret: the prefix and 256 bits in base64url. */
export function generateSecret(): string {
  return KEY_PREFIX + randomBytes(32).toString("base64url");
}

/** The part of a secret that may be shown and stored in clear. */
export function shownPrefix(secret: string): string {
  return secret.slice(0, SHOWN_PREFIX_LENGTH);
}

/**
 * Parses key entries: a bare secret is an admin key; `name:role:secret` names
 * the key and its role (the secret may itself contain colons). Entries are
 * separated by commas or newlines; blank lines and `#` comments are skipped.
 */
export function parseKeyEntries(text: string, source: string): ConfiguredKey[] {
  const keys: ConfiguredKey[] = [];
  const entries = text
    .split(/[,\n]/)
    .map((e) => e.trim())
    .filter((e) => e !== "" && !e.startsWith("#"));
  entries.forEach((entry, i) => {
    const where = `${source} entry ${i + 1}`;
    const parts = entry.split(":");
    let name: string;
    let role: string;
    let secret: string;
    if (parts.length >= 3) {
      name = parts[0]!;
      role = parts[1]!;
      secret = parts.slice(2).join(":");
      if (!/^[\w.-]{1,128}$/.test(name)) throw new KeyConfigError(`${where}: key name must be 1-128 of [A-Za-z0-9_.-]`);
      if (!ROLE_NAMES.includes(role as RoleName)) throw new KeyConfigError(`${where}: role must be one of ${ROLE_NAMES.join(", ")}, got ${JSON.stringify(role)}`);
    } else {
      name = `${source.toLowerCase().replace(/[^a-z]+/g, "-")}-${i + 1}`;
      role = "admin";
      secret = entry;
    }
    if (secret.length < MIN_SECRET_LENGTH) throw new KeyConfigError(`${where}: the secret must be at least ${MIN_SECRET_LENGTH} characters`);
    if (keys.some((k) => k.name === name)) throw new KeyConfigError(`${where}: key name ${JSON.stringify(name)} is used twice`);
    keys.push({ name, role: role as RoleName, digest: hashSecret(secret) });
  });
  return keys;
}

/** What loading configured keys found, and warnings for the log (never a secret). */
export interface LoadedKeys {
  readonly keys: ConfiguredKey[];
  readonly warnings: string[];
}

/**
 * Loads WHATSNEXT_API_KEYS and WHATSNEXT_API_KEYS_FILE. The file keeps
 * secrets out of the environment (visible in /proc and to child processes);
 * a file others may read is loaded but warned about.
 */
export function loadConfiguredKeys(config: { WHATSNEXT_API_KEYS: string; WHATSNEXT_API_KEYS_FILE: string }): LoadedKeys {
  const warnings: string[] = [];
  const keys = parseKeyEntries(config.WHATSNEXT_API_KEYS, "WHATSNEXT_API_KEYS");
  const file = config.WHATSNEXT_API_KEYS_FILE;
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw new KeyConfigError(`WHATSNEXT_API_KEYS_FILE cannot be read: ${(err as NodeJS.ErrnoException).code ?? "error"} ${file}`);
    }
    if ((statSync(file).mode & 0o077) !== 0) warnings.push(`WHATSNEXT_API_KEYS_FILE ${file} is readable by group or others; chmod 600 it`);
    for (const k of parseKeyEntries(text, "WHATSNEXT_API_KEYS_FILE")) {
      if (keys.some((e) => e.name === k.name)) throw new KeyConfigError(`WHATSNEXT_API_KEYS_FILE: key name ${JSON.stringify(k.name)} is also in WHATSNEXT_API_KEYS`);
      keys.push(k);
    }
  }
  return { keys, warnings };
}

/**
 * Finds the configured key whose digest equals the presented secret's, in
 * constant time: the presented secret is hashed (so its length does not
 * matter), every candidate is compared with timingSafeEqual, and the loop
 * never exits early. Returns the match or undefined.
 */
export function matchConfiguredKey(presented: string, candidates: readonly ConfiguredKey[]): ConfiguredKey | undefined {
  const digest = hashSecret(presented);
  let found: ConfiguredKey | undefined;
  for (const candidate of candidates) {
    // Both digests are 32 bytes, so timingSafeEqual never throws.
    const equal = timingSafeEqual(digest, candidate.digest);
    found = equal ? candidate : found;
  }
  return found;
}

/**
 * The end of a text within a byte budget, the one rule for output tails (the
 * worker's process output, what it sends, what the server stores): keep the
 * last bytes, never cut a UTF-8 character in half.
 */

/** Decodes bytes that may start in the middle of a UTF-8 sequence: the orphaned continuation bytes are skipped, not shown as U+FFFD. */
export function decodeUtf8Tail(bytes: Buffer): string {
  let start = 0;
  while (start < bytes.length && start < 3 && ((bytes[start] ?? 0) & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString("utf8");
}

/** The end of the text within `maxBytes` UTF-8 bytes, cut at a character boundary. */
export function lastUtf8Bytes(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= maxBytes) return text;
  return decodeUtf8Tail(bytes.subarray(bytes.length - maxBytes));
}

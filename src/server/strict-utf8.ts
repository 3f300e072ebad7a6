import { isUtf8 } from "node:buffer";
import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Where a byte sequence stops being UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), or undefined when all of it is. Only
 * called once a strict decoder has refused the bytes, to name the place.
 */
export function firstInvalidUtf8(bytes: Uint8Array): { offset: number; byte: number } | undefined {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) low = 0xa0; // overlong
      if (lead === 0xed) high = 0x9f; // surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) low = 0x90; // overlong
      if (lead === 0xf4) high = 0x8f; // above U+10FFFF
    } else return { offset: i, byte: lead };
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k];
      if (next === undefined) return { offset: i, byte: lead };
      if (next < (k === 1 ? low : 0x80) || next > (k === 1 ? high : 0xbf)) return { offset: i + k, byte: next };
    }
    i += length;
  }
  return undefined;
}

function describe(bytes: Uint8Array): string {
  const at = firstInvalidUtf8(bytes);
  return at ? `byte 0x${at.byte.toString(16).padStart(2, "0")} at offset ${at.offset}` : "invalid sequence";
}

const fatalDecoder = new TextDecoder("utf-8", { fatal: true });

/**
 * The text decoder of every JSON request body (Connect unary and streaming,
 * gRPC and gRPC-Web with +json). connect-es decodes with a lenient decoder
 * that turns bytes that are not UTF-8 into U+FFFD, so a name sent as
 * "bad\xff" would be stored as "bad\ufffd"; the binary format refuses such
 * strings. This one refuses them too, with InvalidArgument naming the first
 * bad byte. A U+FFFD sent as UTF-8 (EF BF BD) is text like any other.
 */
export const strictUtf8Decoder = {
  decode(bytes?: Uint8Array): string {
    try {
      return fatalDecoder.decode(bytes);
    } catch {
      throw new ConnectError(`request message is not valid UTF-8: ${describe(bytes ?? new Uint8Array())}`, Code.InvalidArgument);
    }
  },
};

/**
 * The bytes of a query parameter's raw value, decoded as
 * application/x-www-form-urlencoded does ("+" is a space, "%XX" a byte,
 * a "%" without two hex digits itself).
 */
function percentDecode(raw: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x2b) out.push(0x20);
    else if (c === 0x25 && /^[0-9a-fA-F]{2}$/.test(raw.slice(i + 1, i + 3))) {
      out.push(parseInt(raw.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(c);
  }
  return Uint8Array.from(out);
}

/**
 * Why a Connect GET request's `message` query parameter is not UTF-8, or
 * undefined when it is (or is absent). URLSearchParams, which connect-es
 * reads it with, replaces such bytes with U+FFFD, so the check reads the
 * percent-encoded value itself. The URL must be ASCII, as every URL the
 * server accepts is.
 */
export function invalidUtf8InGetMessage(url: string): string | undefined {
  const query = url.split("#", 1)[0]!.split("?", 2)[1];
  if (query === undefined) return undefined;
  for (const pair of query.split("&")) {
    const [key, value = ""] = pair.split(/=(.*)/s, 2) as [string, string?];
    if (new TextDecoder().decode(percentDecode(key)) !== "message") continue;
    const bytes = percentDecode(value);
    if (!isUtf8(bytes)) return `query parameter "message" is not valid UTF-8: ${describe(bytes)} (after percent-decoding)`;
  }
  return undefined;
}

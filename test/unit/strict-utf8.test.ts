import assert from "node:assert/strict";
import { isUtf8 } from "node:buffer";
import { describe, it } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { firstInvalidUtf8, invalidUtf8InGetMessage, strictUtf8Decoder } from "../../src/server/strict-utf8.js";

const bytes = (...b: number[]) => Uint8Array.from(b);

describe("strict UTF-8 (no server)", () => {
  it("finds the first byte that breaks UTF-8, and none in valid text", () => {
    assert.equal(firstInvalidUtf8(new TextEncoder().encode("plain, é, 中, 😀, \ufffd")), undefined);
    assert.deepEqual(firstInvalidUtf8(bytes(0x61, 0xff)), { offset: 1, byte: 0xff });
    assert.deepEqual(firstInvalidUtf8(bytes(0xc0, 0xaf)), { offset: 0, byte: 0xc0 }, "overlong two-byte form");
    assert.deepEqual(firstInvalidUtf8(bytes(0xe0, 0x80, 0xaf)), { offset: 1, byte: 0x80 }, "overlong three-byte form");
    assert.deepEqual(firstInvalidUtf8(bytes(0xed, 0xa0, 0x80)), { offset: 1, byte: 0xa0 }, "a surrogate");
    assert.deepEqual(firstInvalidUtf8(bytes(0xf4, 0x90, 0x80, 0x80)), { offset: 1, byte: 0x90 }, "above U+10FFFF");
    assert.deepEqual(firstInvalidUtf8(bytes(0x61, 0xe4, 0xb8)), { offset: 1, byte: 0xe4 }, "cut short");
    assert.deepEqual(firstInvalidUtf8(bytes(0xe4, 0x41, 0x41)), { offset: 1, byte: 0x41 }, "a continuation missing");
  });

  it("agrees with Node's own check on every two-byte sequence", () => {
    for (let a = 0; a < 256; a++) {
      for (let b = 0; b < 256; b++) {
        const pair = bytes(a, b);
        assert.equal(firstInvalidUtf8(pair) === undefined, isUtf8(pair), `${a.toString(16)} ${b.toString(16)}`);
      }
    }
  });

  it("decodes UTF-8 and refuses anything else with InvalidArgument naming the byte", () => {
    assert.equal(strictUtf8Decoder.decode(new TextEncoder().encode('{"name":"ok\ufffd"}')), '{"name":"ok\ufffd"}');
    assert.throws(
      () => strictUtf8Decoder.decode(bytes(0x7b, 0x22, 0xfe, 0x22)),
      (err: unknown) => err instanceof ConnectError && err.code === Code.InvalidArgument && err.rawMessage === "request message is not valid UTF-8: byte 0xfe at offset 2",
    );
  });

  it("reads a Connect GET's message as sent, before URLSearchParams would replace bytes", () => {
    assert.equal(invalidUtf8InGetMessage("http://h/s/M?encoding=json&message=%7B%22a%22%3A%22%EF%BF%BD%22%7D"), undefined);
    assert.equal(invalidUtf8InGetMessage("http://h/s/M?encoding=json"), undefined);
    assert.equal(invalidUtf8InGetMessage("http://h/s/M?message=100%+sure"), undefined, "a lone % is itself");
    assert.equal(invalidUtf8InGetMessage("http://h/s/M?encoding=json&message=ab%FF"), 'query parameter "message" is not valid UTF-8: byte 0xff at offset 2 (after percent-decoding)');
    assert.match(invalidUtf8InGetMessage("http://h/s/M?m%65ssage=%C0%AF") ?? "", /byte 0xc0 at offset 0/, "the key is percent-decoded too");
    assert.equal(invalidUtf8InGetMessage("http://h/s/M?other=%FF&message=ok"), undefined, "only the message is read");
  });
});

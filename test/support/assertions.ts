import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";

/** Asserts that the promise rejects with the code, and that the message matches. */
export async function rejectsWith(promise: Promise<unknown>, code: Code, message?: RegExp): Promise<ConnectError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ConnectError, `expected a ConnectError, got ${err}`);
    assert.equal(Code[err.code], Code[code], `code of "${err.message}"`);
    if (message) assert.match(err.rawMessage, message);
    return err;
  }
  assert.fail(`expected ${Code[code]}, but the call succeeded`);
}

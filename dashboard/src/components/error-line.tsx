import type { ReadableError } from "../api/readable-error.js";

/** An API failure as one line with the request id to quote, never a blank page. */
export function ErrorLine({ error }: { error: ReadableError }) {
  return (
    <p class="error-line" role="alert">
      <span>{error.text}</span>
      {error.requestId && <span class="request-id"> · request id <code>{error.requestId}</code></span>}
    </p>
  );
}

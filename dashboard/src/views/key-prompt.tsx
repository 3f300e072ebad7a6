import { useState } from "preact/hooks";

/**
 * Asks for an API key when the server needs one. The key is kept in this
 * tab's sessionStorage only and sent as `authorization: Bearer <key>`.
 */
export function KeyPrompt({ problem, onKey }: { problem?: string; onKey: (key: string) => void }) {
  const [key, setKey] = useState("");
  return (
    <section class="key-prompt">
      <h1>Sign in</h1>
      <p>This server needs an API key. Ask its operator for one, or create one with <code>whatsnext keys create</code>.</p>
      {problem && (
        <p class="error-line" role="alert">
          {problem}
        </p>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (key.trim()) onKey(key.trim());
        }}
      >
        <label>
          API key
          <input type="password" name="api-key" autoComplete="off" value={key} onInput={(e) => setKey(e.currentTarget.value)} required />
        </label>
        <button type="submit">Sign in</button>
      </form>
      <p class="muted">The key stays in this browser tab (sessionStorage) and is gone when the tab closes.</p>
    </section>
  );
}

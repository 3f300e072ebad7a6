const STORAGE_KEY = "whatsnext.apiKey";

/**
 * The API key the person typed, kept in sessionStorage only: it lives as
 * long as the tab, is never written to disk by us, and another site cannot
 * read it. Storage can be unavailable (private modes); the key then lasts
 * until the page reloads.
 */
let fallback: string | null = null;

export function readApiKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return fallback;
  }
}

export function storeApiKey(key: string): void {
  fallback = key;
  try {
    sessionStorage.setItem(STORAGE_KEY, key);
  } catch {
    // Kept in memory only.
  }
}

export function forgetApiKey(): void {
  fallback = null;
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Nothing stored.
  }
}

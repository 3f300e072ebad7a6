import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { readableError, type ReadableError } from "../api/readable-error.js";

/** What a page loaded: the data of the last success, and the error of the last failure if it came after. */
export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: ReadableError | undefined;
  readonly loading: boolean;
  /** Loads again now. */
  readonly reload: () => void;
}

/**
 * Loads with `load` when `key` changes, and again every `everyMs` while the
 * page is visible (for pages without a change stream: projects, workers).
 * A failed refresh keeps the last data on screen beside the error.
 */
export function usePolling<T>(load: () => Promise<T>, key: string, everyMs?: number, doing = "loading"): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: ReadableError | undefined; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const loader = useRef(load);
  loader.current = load;
  const generation = useRef(0);
  const run = useCallback(() => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    loader.current().then(
      (data) => mine === generation.current && setState({ data, error: undefined, loading: false }),
      (err) => mine === generation.current && setState((s) => ({ data: s.data, error: readableError(err, doing), loading: false })),
    );
  }, [doing]);
  useEffect(() => {
    setState({ data: undefined, error: undefined, loading: true });
    run();
    const timer = everyMs
      ? setInterval(() => {
          if (document.visibilityState === "visible") run();
        }, everyMs)
      : undefined;
    return () => {
      clearInterval(timer);
      generation.current++;
    };
  }, [key, everyMs, run]);
  return { ...state, reload: run };
}

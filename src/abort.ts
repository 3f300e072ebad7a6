/** A signal tied to other signals, and the way to untie it. */
export interface LinkedSignal {
  readonly signal: AbortSignal;
  /** Detaches from the sources; call when the work the signal guards is over. */
  dispose(): void;
  /** Aborts the signal itself (ending whatever waits on it) and detaches from the sources. */
  end(): void;
}

/** The reason end() aborts with: a constant, as abort() without one builds a DOMException (and its stack) each time. */
export const ENDED = "ended";

/**
 * An AbortSignal that aborts when any source does (with that source's
 * reason), detached from every source by dispose(). AbortSignal.any would do
 * the first half, but on Node 20 each signal it makes stays registered on its
 * sources until garbage collection gets to it, so a long-lived source (the
 * server's shutdown signal, combined with every waiting call's) collects them
 * by the hundred thousand under load.
 */
export function linkedSignal(...sources: readonly AbortSignal[]): LinkedSignal {
  const controller = new AbortController();
  const aborted = sources.find((s) => s.aborted);
  if (aborted) {
    controller.abort(aborted.reason);
    return { signal: controller.signal, dispose: () => undefined, end: () => undefined };
  }
  const listeners = sources.map((source) => {
    const onAbort = () => {
      controller.abort(source.reason);
      dispose();
    };
    source.addEventListener("abort", onAbort, { once: true });
    return () => source.removeEventListener("abort", onAbort);
  });
  const dispose = () => {
    for (const remove of listeners.splice(0)) remove();
  };
  return {
    signal: controller.signal,
    dispose,
    end() {
      dispose();
      controller.abort(ENDED);
    },
  };
}

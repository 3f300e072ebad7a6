import { useEffect, useRef, useState } from "preact/hooks";
import { JobEventType, type Job, type WatchJobsResponse } from "../../../gen/whatsnext/v1/job_pb.js";
import { api } from "../api/clients.js";
import { readableError, type ReadableError } from "../api/readable-error.js";

/** Whether a page's live updates flow: shown beside its title (and waited on by the tests). */
export type LiveState =
  | { readonly state: "connecting" }
  | { readonly state: "live" }
  | { readonly state: "reconnecting"; readonly error: ReadableError };

const nanos = (j: Job) => (j.updateTime ? Number(j.updateTime.seconds) * 1e9 + j.updateTime.nanos : 0);

/** True when `incoming` is not older than `current`: a listing and the stream may cross, and the later snapshot wins. */
export function isNewer(incoming: Job, current: Job | undefined): boolean {
  return current === undefined || nanos(incoming) >= nanos(current);
}

/**
 * Follows a project's WatchJobs stream for as long as the page shows it.
 * `onSubscribed` runs each time the server confirms the watch is in place
 * (at first, and after each reconnection): the page reads what it shows
 * then, and every change after that read arrives through `onEvent`. When
 * the stream cannot be opened the page still reads once, so it shows data
 * while the stream retries with growing pauses (1 s to 10 s).
 */
export function useJobEvents(projectId: bigint | undefined, onEvent: (event: WatchJobsResponse) => void, onSubscribed: () => void): LiveState {
  const [live, setLive] = useState<LiveState>({ state: "connecting" });
  const handlers = useRef({ onEvent, onSubscribed });
  handlers.current = { onEvent, onSubscribed };

  useEffect(() => {
    if (projectId === undefined) return;
    const abort = new AbortController();
    const { signal } = abort;
    setLive({ state: "connecting" });
    (async () => {
      let pause = 1000;
      let readOnce = false;
      while (!signal.aborted) {
        try {
          for await (const event of api.jobs.watchJobs({ projectId, confirmSubscription: true }, { signal })) {
            if (event.type === JobEventType.SUBSCRIBED) {
              setLive({ state: "live" });
              pause = 1000;
              readOnce = true;
              handlers.current.onSubscribed();
            } else {
              handlers.current.onEvent(event);
            }
          }
          if (signal.aborted) return;
          throw new Error("the server ended the stream of changes");
        } catch (err) {
          if (signal.aborted) return;
          setLive({ state: "reconnecting", error: readableError(err, "live updates") });
          if (!readOnce) {
            readOnce = true;
            handlers.current.onSubscribed();
          }
          await new Promise((resolve) => setTimeout(resolve, pause));
          pause = Math.min(pause * 2, 10_000);
        }
      }
    })();
    return () => abort.abort();
  }, [projectId]);
  return live;
}

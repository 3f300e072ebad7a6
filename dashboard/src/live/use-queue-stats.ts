import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { GetQueueStatsResponse } from "../../../gen/whatsnext/v1/job_pb.js";
import { api } from "../api/clients.js";
import { readableError, type ReadableError } from "../api/readable-error.js";

/**
 * A project's GetQueueStats, read again at most every 300 ms after changes
 * are reported (`changed`), so a burst of job events costs a few reads.
 */
export function useQueueStats(projectId: bigint): { stats: GetQueueStatsResponse | undefined; error: ReadableError | undefined; changed: () => void } {
  const [stats, setStats] = useState<GetQueueStatsResponse>();
  const [error, setError] = useState<ReadableError>();
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const read = useCallback(() => {
    pending.current = undefined;
    api.jobs.getQueueStats({ projectId }).then(
      (s) => {
        setStats(s);
        setError(undefined);
      },
      (err) => setError(readableError(err, "reading the queue's stats")),
    );
  }, [projectId]);
  useEffect(() => {
    read();
    return () => clearTimeout(pending.current);
  }, [read]);
  const changed = useCallback(() => {
    pending.current ??= setTimeout(read, 300);
  }, [read]);
  return { stats, error, changed };
}

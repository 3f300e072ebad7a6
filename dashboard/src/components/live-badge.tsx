import type { LiveState } from "../live/job-events.js";

/** Whether the page follows the server's changes; the reason when it does not. */
export function LiveBadge({ live }: { live: LiveState }) {
  const text = live.state === "live" ? "live" : live.state === "connecting" ? "connecting…" : "reconnecting…";
  return (
    <span class={`live-badge live-${live.state}`} data-live={live.state} title={live.state === "reconnecting" ? live.error.text : undefined}>
      {text}
    </span>
  );
}

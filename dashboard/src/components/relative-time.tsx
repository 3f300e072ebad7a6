import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { useNow } from "../live/use-now.js";

/** "12 s ago", "in 3 min", "5 h ago": how far a time is from now, in the largest unit that fits. */
export function relativeText(date: Date, now: number): string {
  const delta = (date.getTime() - now) / 1000;
  const abs = Math.abs(delta);
  const [amount, unit] =
    abs < 1 ? [0, "s"] : abs < 60 ? [Math.round(abs), "s"] : abs < 3600 ? [Math.round(abs / 60), "min"] : abs < 86_400 ? [Math.round(abs / 3600), "h"] : [Math.round(abs / 86_400), "d"];
  if (amount === 0) return "just now";
  return delta < 0 ? `${amount} ${unit} ago` : `in ${amount} ${unit}`;
}

/** A time shown relative to now (kept current), with the exact time on hover. */
export function RelativeTime({ time }: { time: Timestamp | undefined }) {
  const now = useNow();
  if (!time) return <span class="muted">—</span>;
  const date = timestampDate(time);
  return (
    <time dateTime={date.toISOString()} title={date.toLocaleString()}>
      {relativeText(date, now)}
    </time>
  );
}

/** A time as a local date and time, for timelines. */
export function AbsoluteTime({ time }: { time: Timestamp | undefined }) {
  if (!time) return <span class="muted">—</span>;
  const date = timestampDate(time);
  return <time dateTime={date.toISOString()}>{date.toLocaleString()}</time>;
}

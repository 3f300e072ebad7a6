import { useLayoutEffect, useRef } from "preact/hooks";
import type { Job } from "../../../../gen/whatsnext/v1/job_pb.js";
import { ErrorLine } from "../../components/error-line.js";
import { useJobOutput } from "../../live/use-job-output.js";

/** How close to the bottom (in pixels) still counts as "at the bottom". */
const STICK_SLACK = 24;

/**
 * The latest attempt's output, live while it runs: stderr marked, notices of
 * missing output set apart. It scrolls with new output while the reader is
 * at the bottom, and stays put once they scrolled up to read.
 */
export function JobLiveOutput({ job }: { job: Job }) {
  const output = useJobOutput(job.id, job.runs);
  const box = useRef<HTMLPreElement>(null);
  /** The height of the output when it last rendered, before this render's new lines. */
  const renderedHeight = useRef(0);

  // Whether the reader was at the bottom is read from where the view is now against the
  // output's height before the new lines, not from scroll events, which arrive a frame
  // late: a reader who just scrolled up is never pulled back down by the next line.
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    if (el.scrollTop + el.clientHeight >= renderedHeight.current - STICK_SLACK) el.scrollTop = el.scrollHeight;
    renderedHeight.current = el.scrollHeight;
  }, [output.pieces]);

  const title = output.attempt > 0 ? `Output of attempt ${output.attempt}` : "Output";
  const state = output.ended ? "ended" : output.attempt > 0 ? "live" : "waiting";
  return (
    <section class="card job-live-output" data-output-state={state}>
      <h2>
        {title} {state === "live" && <span class="muted">(live)</span>}
      </h2>
      {output.error && <ErrorLine error={output.error} />}
      {output.pieces.length > 0 && output.pieces.every((p) => p.stream === "combined") ? (
        <p class="muted">The worker did not stream this attempt's output: its last lines are under Run.</p>
      ) : output.pieces.length === 0 ? (
        <p class="muted">{state === "waiting" ? "No attempt yet: output appears here once a worker runs the job." : "No output yet."}</p>
      ) : (
        <pre class="live-output" ref={box}>
          {output.pieces.map((p, i) => (
            <span key={i} class={`out-${p.stream}`}>
              {p.stream === "notice" ? `\n${p.text}\n` : p.text}
            </span>
          ))}
        </pre>
      )}
    </section>
  );
}

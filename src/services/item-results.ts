import type { Job } from "../domain/job.js";
import { FinishOutcome } from "../../gen/whatsnext/v1/worker_pb.js";
import type { ItemResult } from "../queue/job-outcomes.js";
import { codeOf } from "../interceptors/error-details.js";

/**
 * What became of a finish the server accepted: a job still CANCELLED after it
 * was cancelled under the worker, which only stored the report; otherwise the
 * report set its status.
 */
export function finishOutcomeOf(job: Job): FinishOutcome {
  return job.status === "cancelled" ? FinishOutcome.CANCELLED : FinishOutcome.APPLIED;
}

/**
 * The error and outcome fields of one item of a batch or stream answer: the
 * code as a name (older clients) and as a number, and for finishes whether
 * the outcome was applied.
 */
export function itemResultFields(r: ItemResult, finish: boolean) {
  if (r.error) return { errorCode: r.error.kind, errorMessage: r.error.message, statusCode: codeOf(r.error), finishOutcome: FinishOutcome.UNSPECIFIED };
  return { errorCode: "", errorMessage: "", statusCode: 0, finishOutcome: finish ? finishOutcomeOf(r.job) : FinishOutcome.UNSPECIFIED };
}

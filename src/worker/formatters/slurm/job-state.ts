/**
 * SLURM's job states and exit statuses, and how a finished SLURM job becomes
 * a RunOutcome: success only for COMPLETED with exit code 0; a job killed by
 * a signal reports 128 + the signal, as a shell would; TIMEOUT, OUT_OF_MEMORY
 * and the others are named in the message.
 */
import { constants } from "node:os";
import type { RunOutcome } from "../types.js";

/** The states after which a SLURM job never runs again (squeue -t all still lists them for MinJobAge). */
export const SLURM_FINAL_STATES: ReadonlySet<string> = new Set([
  "BOOT_FAIL",
  "CANCELLED",
  "COMPLETED",
  "DEADLINE",
  "FAILED",
  "NODE_FAIL",
  "OUT_OF_MEMORY",
  "PREEMPTED",
  "REVOKED",
  "TIMEOUT",
]);

/**
 * States in which the job has run: seeing one means the job started, even
 * when it ended between two polls. CANCELLED is not here: a job may be
 * cancelled while it still waits.
 */
export const SLURM_RAN_STATES: ReadonlySet<string> = new Set([
  "RUNNING",
  "COMPLETING",
  "SUSPENDED",
  "STOPPED",
  "SIGNALING",
  "STAGE_OUT",
  "COMPLETED",
  "FAILED",
  "TIMEOUT",
  "OUT_OF_MEMORY",
  "NODE_FAIL",
  "PREEMPTED",
]);

/** Why a final state ended a job, for the message (the state alone says little to most people). */
const STATE_EXPLANATIONS: Record<string, string> = {
  TIMEOUT: "its time limit was reached",
  OUT_OF_MEMORY: "it used more memory than it asked for",
  NODE_FAIL: "its node failed",
  BOOT_FAIL: "its node failed to boot",
  DEADLINE: "its deadline passed",
  PREEMPTED: "it was preempted",
  REVOKED: "it was revoked (a sibling of a federated job started)",
  CANCELLED: "it was cancelled in SLURM",
};

/** How a SLURM job ended, from squeue, sacct or its exit marker. */
export interface SlurmEnd {
  /** SLURM's state ("COMPLETED", "TIMEOUT", …); "" when only the exit marker is known. */
  state: string;
  /** The exit code of the batch script; null when unknown. */
  exitCode: number | null;
  /** The signal that ended the batch script; 0 or null for none. */
  signal: number | null;
}

/** Parses SLURM's "N:S" exit code (sacct, scontrol); null parts when the text is not of that form. */
export function parseSlurmExitCode(text: string): { exitCode: number | null; signal: number | null } {
  const match = /^\s*(\d+):(\d+)\s*$/.exec(text);
  if (!match) return { exitCode: null, signal: null };
  return { exitCode: Number(match[1]), signal: Number(match[2]) };
}

/** Decodes a wait status (squeue's exit_code field: code << 8 | signal); null parts when not a number. */
export function parseWaitStatus(text: string): { exitCode: number | null; signal: number | null } {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return { exitCode: null, signal: null };
  const status = Number(trimmed);
  return { exitCode: (status >> 8) & 0xff, signal: status & 0x7f };
}

/** "SIGKILL" for 9; undefined for numbers that are no signal here. */
export function signalName(signal: number): string | undefined {
  return Object.entries(constants.signals).find(([, number]) => number === signal)?.[0];
}

/** A signal that can have ended a process (SLURM also puts other numbers there, e.g. 125 for OUT_OF_MEMORY). */
function isSignal(signal: number | null): signal is number {
  return signal !== null && signal > 0 && signal < 65;
}

/**
 * The exit code to report: 128 + the signal when one ended the job (as a
 * shell reports it); the batch script's exit code otherwise; null when SLURM
 * ended the job without one (a TIMEOUT whose script exited 0 did not succeed).
 */
export function reportedExitCode(end: SlurmEnd): number | null {
  if (isSignal(end.signal)) return 128 + end.signal;
  if (end.exitCode === null) return null;
  if (end.exitCode === 0 && end.state !== "" && end.state !== "COMPLETED") return null;
  return end.exitCode;
}

/**
 * The outcome of a finished SLURM job, e.g. "SLURM job 12 COMPLETED (exit code 0)",
 * "SLURM job 13 FAILED (killed by signal 9, SIGKILL: exit code 137)",
 * "SLURM job 14 TIMEOUT: its time limit was reached (killed by signal 15, SIGTERM: exit code 143)".
 */
export function slurmEndOutcome(slurmJobId: string, end: SlurmEnd, command: string, outputTail: string, source = ""): RunOutcome {
  const exitCode = reportedExitCode(end);
  const success = (end.state === "COMPLETED" || end.state === "") && exitCode === 0;
  const details: string[] = [];
  if (isSignal(end.signal)) {
    const name = signalName(end.signal);
    details.push(`killed by signal ${end.signal}${name ? `, ${name}` : ""}: exit code ${exitCode}`);
  } else {
    details.push(exitCode === null ? "no exit code" : `exit code ${exitCode}`);
  }
  if (source) details.push(source);
  const state = end.state === "" ? "ended" : end.state;
  const explanation = STATE_EXPLANATIONS[end.state];
  return {
    success,
    exitCode,
    message: `SLURM job ${slurmJobId} ${state}${explanation ? `: ${explanation}` : ""} (${details.join("; ")})`,
    outputTail,
    command,
    aborted: false,
  };
}

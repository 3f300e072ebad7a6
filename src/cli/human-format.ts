/**
 * How enums, times and messages read in tables: `pending` rather than
 * JOB_STATUS_PENDING, local ISO-like times, and proto JSON for --json.
 */
import { toJson, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { JobStatus, ProjectStatus, Role } from "../../gen/whatsnext/v1/common_pb.js";
import { UsageError } from "./usage-error.js";

/** The lower-case name of a job status, as typed on the command line (`pending`, `failed`). */
export function jobStatusName(status: JobStatus): string {
  return (JobStatus[status] ?? String(status)).toLowerCase();
}

/** `active` / `archived`. */
export function projectStatusName(status: ProjectStatus): string {
  return (ProjectStatus[status] ?? String(status)).toLowerCase();
}

/** `viewer`, `worker`, `submitter`, `admin`. */
export function roleName(role: Role): string {
  return (Role[role] ?? String(role)).toLowerCase();
}

/** Parses `pending` (or `PENDING`, `JOB_STATUS_PENDING`) into the enum; a usage error listing the choices otherwise. */
export function parseJobStatus(text: string): JobStatus {
  const key = text.trim().toUpperCase().replace(/^JOB_STATUS_/, "");
  const value = (JobStatus as unknown as Record<string, number>)[key];
  if (value === undefined || value === JobStatus.UNSPECIFIED) {
    throw new UsageError(`unknown status ${JSON.stringify(text)}; use one of ${jobStatusChoices().join(", ")}`);
  }
  return value as JobStatus;
}

/** Every job status a person may type. */
export function jobStatusChoices(): string[] {
  return Object.keys(JobStatus).filter((k) => Number.isNaN(Number(k)) && k !== "UNSPECIFIED").map((k) => k.toLowerCase());
}

/** Parses a role name into the enum. */
export function parseRole(text: string): Role {
  const key = text.trim().toUpperCase().replace(/^ROLE_/, "");
  const value = (Role as unknown as Record<string, number>)[key];
  if (value === undefined || value === Role.UNSPECIFIED) throw new UsageError(`unknown role ${JSON.stringify(text)}; use viewer, worker, submitter or admin`);
  return value as Role;
}

/** A timestamp as `2024-05-01 12:00:00` in local time; empty when unset. */
export function formatTime(ts: Timestamp | undefined): string {
  if (!ts || (ts.seconds === 0n && ts.nanos === 0)) return "";
  const d = timestampDate(ts);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A message as proto JSON with every field present, the form scripts (and buf curl) see. */
export function messageJson<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): unknown {
  return toJson(schema, message, { alwaysEmitImplicit: true });
}

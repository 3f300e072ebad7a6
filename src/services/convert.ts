import { create } from "@bufbuild/protobuf";
import { DurationSchema, timestampFromDate, type Duration, type Timestamp } from "@bufbuild/protobuf/wkt";
import { ProjectStatus } from "../../gen/whatsnext/v1/common_pb.js";
import { ProjectSchema as ProjectMessageSchema, type Project as ProjectMessage } from "../../gen/whatsnext/v1/project_pb.js";
import { TaskSchema as TaskMessageSchema, type Task as TaskMessage } from "../../gen/whatsnext/v1/task_pb.js";
import type { Project, ProjectStatus as ProjectStatusValue, Task } from "../domain/catalog.js";
import { InvalidArgumentError } from "../domain/errors.js";

/** A Timestamp, or undefined for a missing date. */
export function timestamp(date: Date | null | undefined): Timestamp | undefined {
  return date ? timestampFromDate(date) : undefined;
}

/** A Duration of whole seconds, or undefined when not known. */
export function duration(seconds: number | null | undefined): Duration | undefined {
  return seconds === null || seconds === undefined ? undefined : create(DurationSchema, { seconds: BigInt(seconds) });
}

const projectStatusToProto: Record<ProjectStatusValue, ProjectStatus> = {
  active: ProjectStatus.ACTIVE,
  archived: ProjectStatus.ARCHIVED,
};

/** The stored project status of a proto enum value; UNSPECIFIED is refused. */
export function projectStatusFromProto(status: ProjectStatus): ProjectStatusValue {
  switch (status) {
    case ProjectStatus.ACTIVE:
      return "active";
    case ProjectStatus.ARCHIVED:
      return "archived";
    default:
      throw new InvalidArgumentError("status", `must be PROJECT_STATUS_ACTIVE or PROJECT_STATUS_ARCHIVED, got ${status}`);
  }
}

export function projectToProto(p: Project): ProjectMessage {
  return create(ProjectMessageSchema, {
    id: BigInt(p.id),
    name: p.name,
    description: p.description,
    status: projectStatusToProto[p.status],
    createTime: timestamp(p.createdAt),
    updateTime: timestamp(p.updatedAt),
  });
}

export function taskToProto(t: Task): TaskMessage {
  return create(TaskMessageSchema, {
    id: BigInt(t.id),
    projectId: BigInt(t.projectId),
    name: t.name,
    commandTemplate: t.commandTemplate,
    requiredCpu: t.requiredCpu,
    requiredAccelerators: t.requiredAccelerators,
    expectedDuration: duration(t.expectedSeconds),
    createTime: timestamp(t.createdAt),
    updateTime: timestamp(t.updatedAt),
  });
}

import { ProjectService } from "../../gen/whatsnext/v1/project_pb.js";
import { TaskService } from "../../gen/whatsnext/v1/task_pb.js";
import type { App, ServerModule } from "../server/app.js";
import { projectService } from "./project-service.js";
import { taskService } from "./task-service.js";

/** Projects and tasks: the catalog the queue works on. */
export function catalogModule(app: App): ServerModule {
  return {
    name: "catalog",
    routes(router) {
      router.service(ProjectService, projectService(app.db.sql));
      router.service(TaskService, taskService(app.db.sql));
    },
  };
}

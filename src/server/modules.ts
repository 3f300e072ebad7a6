import type { App, ServerModule } from "./app.js";
import { catalogModule } from "../services/catalog-module.js";
import { dashboardModule } from "./dashboard.js";
import { metricsModule } from "./metrics.js";
import { securityModule } from "../security/security-module.js";
import { queueModule } from "../services/queue-module.js";

/**
 * Every feature module of the server, in interceptor order. Add a module here
 * to serve it; each lives in its own folder.
 */
export function serverModules(app: App): ServerModule[] {
  const security = securityModule(app);
  return [
    metricsModule(app.metrics, (req) => security.mayReadMetrics(req)),
    security,
    catalogModule(app),
    queueModule(app),
    dashboardModule(app, () => security.state?.authEnabled ?? true),
  ];
}

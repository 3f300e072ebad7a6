/**
 * The WhatsNext client library: `connect()` gives typed clients of every
 * service; the configuration helpers read `.whatsnext` files and the
 * WHATSNEXT_* variables the way the CLI does. Messages and enums are the
 * generated ones, re-exported so callers need one import.
 */
export { connect, parseServerUrl, ClientOptionsError, type ConnectOptions, type WhatsNextClient } from "./connect.js";
export {
  CONFIG_FILE_NAME,
  ConfigFileError,
  DEFAULT_SERVER,
  configPathIn,
  configSearchPath,
  loadConfigFile,
  readConfigFile,
  readKeyFile,
  resolveClientSettings,
  settingsFromEnvironment,
  settingsFromFile,
  type ClientSettings,
  type ClientSettingsLayer,
  type ConfigFile,
  type LoadedConfigFile,
} from "./config-file.js";
export { brokenConnectionIsUnavailable, isBrokenConnection } from "./broken-connection.js";
export { findProject } from "./project-ref.js";
export { JobStatus, ProjectStatus, Role } from "../../gen/whatsnext/v1/common_pb.js";
export * from "../../gen/whatsnext/v1/job_pb.js";
export * from "../../gen/whatsnext/v1/key_pb.js";
export * from "../../gen/whatsnext/v1/project_pb.js";
export * from "../../gen/whatsnext/v1/sweep_pb.js";
export * from "../../gen/whatsnext/v1/task_pb.js";
export * from "../../gen/whatsnext/v1/worker_pb.js";

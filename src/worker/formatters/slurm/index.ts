/**
 * The slurm formatter and the pieces of it worth using on their own (the
 * sbatch command line, the batch script, the parsers of SLURM's answers).
 */
export { buildArrayScript, buildBatchScript, RUN_FILES, runFilePaths } from "./batch-script.js";
export { isClusterUnreachable } from "./controller-errors.js";
export { accountingDisabled, lookUpJobEnd, parseSacctOutput, readExitMarker, type SacctRecord } from "./job-end.js";
export { parseSlurmExitCode, parseWaitStatus, reportedExitCode, SLURM_FINAL_STATES, SLURM_RAN_STATES, signalName, type SlurmEnd, slurmEndOutcome } from "./job-state.js";
export { answersOfRound, parseSqueueOutput, QueueMonitor, type SqueueAnswer, type SqueueRecord, squeueArgv } from "./queue-monitor.js";
export { buildSbatchArgv, escapeSbatchFilename, parseSbatchAnswer, parseSbatchJobId, sbatchResourceOptions, slurmCpusHeld } from "./sbatch.js";
export { DEFAULT_NEVER_RUNS_REASONS, expandHome, neverRuns, resolveSlurmFolders, type SlurmFolders, type SlurmFormatterSettings } from "./settings.js";
export { createSlurmFormatter } from "./slurm-formatter.js";

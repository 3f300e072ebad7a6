/**
 * `whatsnext worker`: runs jobs of the current project on this machine.
 */
import type { Command } from "commander";
import type { CliContext } from "./cli-context.js";

/** Adds `worker`. */
export function registerWorkerCommand(program: Command, _ctx: CliContext): void {
  program.command("worker").description("run jobs of the current project on this machine");
}

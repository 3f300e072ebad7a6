/**
 * The TypeScript side of the Python SDK's cross-checks: reads cases as JSON
 * on stdin, answers on stdout what the TypeScript worker and CLI make of
 * them, so the tests can require the Python package to give the same.
 *
 * Input: { commands: [{ id, name, task, template, parameters, executable?, script? }],
 *          grids: [{ task, grid, parameters?, name_template? }], json: [value] }
 * Output: { commands: [{ argv, env, display } | { error }], grids: [[name] | { error }], json: [text] }
 */
import { readFileSync } from "node:fs";
import { parseBatch } from "../../src/cli/batch-file.js";
import { parameterToText } from "../../src/worker/formatters/command-template.js";
import { prepareCommand } from "../../src/worker/formatters/prepare-command.js";

interface CommandCase {
  id: number;
  name: string;
  task: string;
  template: string;
  parameters: Record<string, unknown>;
  executable?: string;
  script?: string;
}
interface GridCase {
  task: string;
  grid: Record<string, unknown[]>;
  parameters?: Record<string, unknown>;
  name_template?: string;
}

const input = JSON.parse(readFileSync(0, "utf8")) as { commands: CommandCase[]; grids: GridCase[]; json: unknown[] };

const commands = input.commands.map((c) => {
  try {
    const prepared = prepareCommand(
      { id: c.id, name: c.name, taskName: c.task, commandTemplate: c.template, parameters: c.parameters, requiredCpu: 0, requiredAccelerators: 0 },
      { executable: c.executable, script: c.script },
    );
    return { argv: prepared.argv, env: prepared.env, display: prepared.display };
  } catch (error) {
    return { error: (error as Error).message };
  }
});

const grids = input.grids.map((g) => {
  try {
    const top: Record<string, unknown> = { task: g.task, grid: g.grid };
    if (g.parameters) top.parameters = g.parameters;
    if (g.name_template) top.name_template = g.name_template;
    return parseBatch(top, "grid").map((item) => item.name);
  } catch (error) {
    return { error: (error as Error).message };
  }
});

const json = input.json.map((value) => parameterToText(value));

process.stdout.write(JSON.stringify({ commands, grids, json }));

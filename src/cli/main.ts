import { Command } from "commander";
import { serve } from "./serve.js";

const program = new Command()
  .name("whatsnext")
  .description("WhatsNext: a job queue for experiment sweeps and batch work")
  .version("0.1.0");

program
  .command("serve")
  .description("run the server (configured by environment variables; see the README)")
  .action(serve);

await program.parseAsync(process.argv);

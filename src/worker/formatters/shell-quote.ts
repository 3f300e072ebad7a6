/**
 * POSIX shell quoting, for the two places a command must become text: the
 * SLURM batch script (read by a shell) and the command shown with StartJob
 * (which a person may copy into a terminal). Both must give back the exact argv.
 */

const SAFE_UNQUOTED = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * Single-quotes an argument so that a POSIX shell reads it back byte for
 * byte; inside single quotes only `'` is special, and it is spelled `'\''`.
 * With `always: false`, plain words stay unquoted for readability.
 */
export function quoteShellArgument(argument: string, options: { always?: boolean } = {}): string {
  if (!options.always && SAFE_UNQUOTED.test(argument)) return argument;
  return `'${argument.replaceAll("'", `'\\''`)}'`;
}

/** The argv as one line a person can paste into a shell to run the same command. */
export function formatCommandLine(argv: readonly string[]): string {
  return argv.map((argument) => quoteShellArgument(argument)).join(" ");
}

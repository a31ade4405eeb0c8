/** A mistake in how an operator's command was called: printed with the usage, exit code 2. */
export class UsageError extends Error {}

/**
 * The main of an operator CLI (npm run events / streams / tenant): parse the
 * arguments, print a usage error with the usage text (exit 2), else run the
 * command and exit with its code; anything else thrown prints its message
 * and exits 1.
 */
export function runCommandLine<C>(
  parse: (argv: string[]) => C,
  run: (command: C, print: (line: string) => void) => Promise<number>,
  usage: string,
): void {
  const main = async () => {
    let command: C;
    try {
      command = parse(process.argv.slice(2));
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      console.error(`${err.message}\n\n${usage}`);
      process.exitCode = 2;
      return;
    }
    process.exitCode = await run(command, (line) => console.log(line));
  };
  main().catch((err: unknown) => {
    console.error((err as Error).message ?? err);
    process.exitCode = 1;
  });
}

// The command line of Tessera's subcommands: positional arguments, and `--flag value` or `--flag=value`.

export interface CommandLine {
  readonly args: readonly string[];
  readonly flags: ReadonlyMap<string, string>;
}

export function parseCommandLine(argv: readonly string[]): CommandLine {
  const args: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      args.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq > 0) flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    else flags.set(arg.slice(2), argv[++i] ?? '');
  }
  return { args, flags };
}

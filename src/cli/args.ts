// A small argument parser for `rlhf`: `--name value`, `--name a b c` (lists), `--flag`; every unknown
// or malformed option is an error naming it, so a typo never runs a long job with a default.

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface OptionSpec {
  /** 'string' | 'number' | 'flag' | 'list' (one or more values up to the next --option) */
  type: 'string' | 'number' | 'flag' | 'list';
  required?: boolean;
}

export type Parsed = Record<string, string | number | boolean | string[] | undefined>;

export function parseArgs(
  argv: readonly string[],
  specs: Readonly<Record<string, OptionSpec>>,
  command: string,
): Parsed {
  const out: Parsed = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new UsageError(`${command}: unexpected argument "${arg}"`);
    const name = arg.slice(2);
    const spec = specs[name];
    if (!spec)
      throw new UsageError(
        `${command}: unknown option --${name} (options: ${Object.keys(specs)
          .map((k) => `--${k}`)
          .join(' ')})`,
      );
    if (spec.type === 'flag') {
      out[name] = true;
      continue;
    }
    const values: string[] = [];
    while (i + 1 < argv.length && !argv[i + 1].startsWith('--')) values.push(argv[++i]);
    if (values.length === 0) throw new UsageError(`${command}: --${name} needs a value`);
    if (spec.type === 'list') out[name] = [...((out[name] as string[]) ?? []), ...values];
    else if (values.length > 1) throw new UsageError(`${command}: --${name} takes one value, got ${values.join(' ')}`);
    else if (spec.type === 'number') {
      const n = Number(values[0]);
      if (!Number.isFinite(n)) throw new UsageError(`${command}: --${name} must be a number, got "${values[0]}"`);
      out[name] = n;
    } else out[name] = values[0];
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.required && out[name] === undefined) throw new UsageError(`${command}: --${name} is required`);
  }
  return out;
}

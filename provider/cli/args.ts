import { UsageError } from "../review/run";

/**
 * The command line of `tenancy`: `--name value` or `--name=value` options, each checked against
 * the command's list, so a typo is an error naming the option and the valid ones.
 */

export interface OptionSpec {
  /** The valid values, when the option takes one of a few. */
  values?: readonly string[];
  /** A number, checked to lie in [min, max]. */
  number?: { min: number; max: number };
  /** A switch that takes no value (`--no-refresh`, `--json`): present means "true". */
  flag?: true;
}

export function parseArgs(argv: readonly string[], specs: Record<string, OptionSpec>): Record<string, string> {
  const out: Record<string, string> = {};
  const valid = Object.keys(specs).map((k) => `--${k}`).join(", ");
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new UsageError(`unexpected argument '${arg}'; valid options are ${valid}`);
    const [, name, inline] = m;
    const spec = specs[name];
    if (!spec) throw new UsageError(`unknown option --${name}; valid options are ${valid}`);
    if (spec.flag) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      if (name in out) throw new UsageError(`--${name} is given twice`);
      out[name] = "true";
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value === "" || (inline === undefined && value.startsWith("--"))) throw new UsageError(`--${name} needs a value`);
    if (spec.values && !spec.values.includes(value)) throw new UsageError(`--${name} must be one of ${spec.values.join(", ")}, not '${value}'`);
    if (spec.number) {
      const n = Number(value);
      if (!Number.isFinite(n) || n < spec.number.min || n > spec.number.max) {
        throw new UsageError(`--${name} must be a number from ${spec.number.min} to ${spec.number.max}, not '${value}'`);
      }
    }
    if (name in out) throw new UsageError(`--${name} is given twice`);
    out[name] = value;
  }
  return out;
}

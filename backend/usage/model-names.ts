/**
 * Model names as clients send them. Providers serve dated snapshots of a model under its name
 * plus a suffix (`gpt-4o-2024-08-06`, `claude-sonnet-4-5-20250929`); a price entry or an
 * `allowedModels` entry names the model and covers its snapshots. One rule for both
 * (backend/README.md, "Model names"):
 *
 * 1. the exact name;
 * 2. else the longest listed name that the model extends with a snapshot suffix: one or more of
 *    `-YYYY-MM-DD` (OpenAI), `-YYYYMMDD` (Anthropic), `@YYYYMMDD` (Vertex AI), `-NNNN` (a MMDD or
 *    YYMM snapshot: `gpt-4-0613`, `mistral-large-2411`), `-NNN` (Google's `gemini-1.5-pro-002`) and
 *    `-vN:M` (Bedrock's `…-20240620-v1:0`);
 * 3. else an alias of the price file (a price) — an allowedModels entry also allows the aliases
 *    that resolve to a model it allows.
 *
 * Digits only, so a suffix never names another model: `gpt-4o-mini` is not `gpt-4o` (`-mini`),
 * `claude-sonnet-4-5` not `claude-sonnet-4` (one digit is a model version, not a snapshot),
 * `deepseek-v3` not `deepseek` (`-vN` without Bedrock's `:M` is a model). `-latest` is no suffix
 * either: it names whatever the provider serves now, which can be a newer model at another price;
 * a price file maps it deliberately with an alias.
 */
const SNAPSHOT_SUFFIX = /^(?:-\d{4}-\d{2}-\d{2}|-\d{8}|@\d{8}|-\d{3,4}|-v\d+:\d+)+$/;

/** True when `model` is `base` itself or `base` plus a snapshot suffix. */
export function isSnapshotOf(model: string, base: string): boolean {
  return model === base || (model.startsWith(base) && SNAPSHOT_SUFFIX.test(model.slice(base.length)));
}

/** The listed name `model` resolves to by rules 1 and 2: itself, or the longest base it is a snapshot of. */
export function baseName(model: string, listed: (name: string) => boolean): string | undefined {
  if (listed(model)) return model;
  // A suffix starts at a '-' or '@': try the longest base first.
  for (let i = model.length - 1; i > 0; i--) {
    if (model[i] !== "-" && model[i] !== "@") continue;
    const base = model.slice(0, i);
    if (listed(base) && SNAPSHOT_SUFFIX.test(model.slice(i))) return base;
  }
  return undefined;
}

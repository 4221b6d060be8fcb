import { ResourceInput } from "../guardrails/model";

/**
 * The steps of a `pulumi preview --json` (best with `--show-sames`, so the unchanged resources
 * are there too): each step's old and new state reduced to what a review reads. A replacement
 * appears either as one `replace` step or as a `create-replacement` / `delete-replaced` pair;
 * both are folded into one `replace`.
 */

export type Op = "same" | "create" | "update" | "replace" | "delete" | "read" | "other";

export interface Step {
  op: Op;
  urn: string;
  type: string;
  old?: ResourceInput;
  new?: ResourceInput;
  replaceReasons: string[];
}

export interface Preview {
  steps: Step[];
  /** True when no unchanged resource can be missing: listed (`--show-sames`), or a new stack. */
  complete: boolean;
  /**
   * What refresh found (`pulumi preview --refresh`): each resource whose backend object differs
   * from the stack's state, as a step from the state (`old`) to the backend (`new`, absent when
   * the object is gone). The pull request's own steps start from the refreshed objects.
   */
  drift?: DriftStep[];
  /** False when the preview was made without refresh (`--no-refresh`): out-of-band changes are unknown. */
  refreshed?: boolean;
}

export interface DriftStep extends Step {
  /** When the stack last wrote the object (its state's `updatedAt`): later audit events made the drift. */
  storedAt?: string;
}

interface RawState {
  urn?: string;
  outputs?: Record<string, unknown> & { updatedAt?: unknown };
  type?: string;
  id?: string;
  inputs?: Record<string, unknown>;
  propertyDependencies?: Record<string, string[]>;
}
interface RawStep {
  op?: string;
  urn?: string;
  oldState?: RawState | null;
  newState?: RawState | null;
  replaceReasons?: string[] | null;
}

/** A preview document, or an error naming what is wrong with it. */
export function parsePreview(text: string, source = "the preview"): Preview {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source} is not JSON (${(err as Error).message}); save it with: pulumi preview --json --show-sames > FILE`);
  }
  const raw = (doc as { steps?: unknown })?.steps;
  if (!Array.isArray(raw)) throw new Error(`${source} has no "steps" list; save it with: pulumi preview --json --show-sames > FILE`);
  const errors = ((doc as { diagnostics?: { severity?: string; message?: string }[] }).diagnostics ?? []).filter((d) => d.severity === "error");
  if (errors.length) throw new Error(`${source} is of a failed preview:\n${firstLines(errors.map((d) => String(d.message).trim()).join("\n"))}`);
  return fromSteps(raw as RawStep[]);
}

/** The first lines of an engine's error (a stack trace can run to hundreds), saying how many follow. */
export function firstLines(text: string, max = 12): string {
  const lines = text.trim().split("\n");
  return lines.length <= max ? lines.join("\n") : [...lines.slice(0, max), `… (${lines.length - max} more lines)`].join("\n");
}

function resource(state: RawState | null | undefined, urn: string): ResourceInput | undefined {
  if (!state) return undefined;
  // Inputs are what the program declares. Outputs are the read only where there are no inputs:
  // merged, an input the program removed would live on in the outputs of the step before it.
  const { __provider: provider, ...props } = (state.inputs ?? state.outputs ?? {}) as Record<string, unknown>;
  const status = state.outputs?.status;
  return {
    urn: state.urn ?? urn,
    type: state.type ?? "",
    id: state.id,
    props,
    propertyDependencies: state.propertyDependencies,
    ...(typeof provider === "string" ? { provider } : {}),
    ...(typeof status === "string" ? { status } : {}),
  };
}

export function fromSteps(raw: RawStep[]): Preview {
  const steps: Step[] = [];
  const byUrn = new Map<string, Step>();
  // A refresh step holds the state as stored; the step after it starts from the backend's object.
  const stored = new Map<string, RawStep>();
  for (const s of raw) {
    const urn = s.urn ?? s.newState?.urn ?? s.oldState?.urn ?? "";
    const type = s.newState?.type ?? s.oldState?.type ?? urn.split("::")[2] ?? "";
    const old = resource(s.oldState, urn);
    const neu = resource(s.newState, urn);
    const reasons = s.replaceReasons ?? [];
    const op = s.op ?? "";
    if (op === "refresh") {
      stored.set(urn, s);
      continue;
    }
    // The two halves of a create-before-delete replacement become one step.
    if (op === "create-replacement" || op === "delete-replaced" || op === "replace") {
      const seen = byUrn.get(urn);
      if (seen?.op === "replace") {
        seen.old ??= old;
        seen.new = op === "delete-replaced" ? seen.new : neu ?? seen.new;
        seen.replaceReasons = [...new Set([...seen.replaceReasons, ...reasons])];
        continue;
      }
      const step: Step = { op: "replace", urn, type, old, new: op === "delete-replaced" ? undefined : neu, replaceReasons: reasons };
      steps.push(step);
      byUrn.set(urn, step);
      continue;
    }
    // An unchanged or updated resource keeps its id, which the new state does not always repeat.
    if (neu && !neu.id && old?.id && (op === "same" || op === "update")) neu.id = old.id;
    const known: Record<string, Op> = { same: "same", create: "create", update: "update", delete: "delete", read: "read", "discard-replaced": "other", "remove-pending-replace": "other" };
    const step: Step = { op: known[op] ?? "other", urn, type, old, new: neu, replaceReasons: reasons };
    steps.push(step);
    byUrn.set(urn, step);
  }
  // Complete when it lists unchanged resources, or when there are none: a new stack (its Stack
  // resource is created) has nothing unchanged that the rules could miss.
  const listsSames = steps.some((s) => s.op === "same" && !s.type.startsWith("pulumi:"));
  const newStack = steps.some((s) => s.op === "create" && s.type === "pulumi:pulumi:Stack");
  return { steps, complete: listsSames || newStack, ...(stored.size ? { refreshed: true, drift: driftOf(stored, byUrn) } : {}) };
}

/** The resources whose backend object differs from their stored state: changed, or gone (the step after refresh creates it again). */
function driftOf(stored: Map<string, RawStep>, byUrn: Map<string, Step>): DriftStep[] {
  const drift: DriftStep[] = [];
  for (const [urn, s] of stored) {
    const was = resource(s.oldState, urn);
    if (!was || was.type.startsWith("pulumi:")) continue;
    const next = byUrn.get(urn);
    const now = next && next.op !== "create" ? next.old : undefined;
    if (now && canonical(now.props) === canonical(was.props)) continue;
    const updatedAt = s.oldState?.outputs?.updatedAt;
    drift.push({ op: now ? "update" : "delete", urn, type: was.type, old: was, new: now, replaceReasons: [], ...(typeof updatedAt === "string" ? { storedAt: updatedAt } : {}) });
  }
  return drift;
}

/** A value as JSON with sorted keys: equal values, equal texts. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));
}

/** The resources as they are before the preview, and as they will be after it. */
export function before(preview: Preview): ResourceInput[] {
  return preview.steps.filter((s) => s.old && s.op !== "create").map((s) => s.old!);
}
export function after(preview: Preview): ResourceInput[] {
  return preview.steps.filter((s) => s.new && s.op !== "delete").map((s) => s.new!);
}

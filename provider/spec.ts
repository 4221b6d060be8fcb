import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { dottedPath, fieldIssues } from "../schema/issues";
import { hasUnknowns, omit, pick, same, unknownPaths, withoutProvider } from "./inputs";

/**
 * One typed spec per resource, built from the shared wire schemas: which inputs the provider
 * adds, which API body it sends, which object the API answers, which inputs replace. Everything
 * else is derived from it — check, the diffed fields, the create body, the outputs, what read
 * hands back as inputs, the output declarations and the `tenancy.yaml` entry — so a new API field
 * is validated, sent, compared and read back without a list to update by hand.
 */

type Key<S extends z.ZodObject> = keyof S["shape"] & string;
// The fields of an object schema; zod types an empty one as an index of `never`, which would
// swallow every other field of an intersection.
type In<S extends z.ZodObject> = [keyof S["shape"]] extends [never] ? object : z.input<S>;
type Out<S extends z.ZodObject> = [keyof S["shape"]] extends [never] ? object : z.output<S>;

export interface SpecDefinition<
  Own extends z.ZodObject,
  Api extends z.ZodObject,
  Obj extends z.ZodObject,
  Parents extends Key<Own> = never,
  Type extends string = string,
> {
  /** The Pulumi type: `pulumi-nodejs:dynamic/tenancy:<type>`; also the resource class's name. */
  type: Type;
  /** Inputs only the provider knows: the parents' ids, `adopt`, `rotationTriggers`. */
  own: Own;
  /** The API's create body; its fields are inputs of the same names. */
  api: Api;
  /** The body's rules when they depend on another input (a membership's roles on its scope). */
  apiFor?: (inputs: Record<string, unknown>) => z.ZodType;
  /** What the API answers; its fields beyond the inputs (but `id`) are the resource's outputs. */
  object: Obj;
  /**
   * Inputs whose change replaces the resource (every other one updates in place), or
   * `{ allBut }`: every input but these replaces — for objects the API can barely change, so that
   * a new field replaces rather than being silently left as it was.
   */
  replaces: readonly (Key<Own> | Key<Api>)[] | { allBut: readonly (Key<Own> | Key<Api>)[] };
  /** Provider inputs that steer a create (`adopt`) but are no part of the object: never diffed. */
  steering?: readonly Key<Own>[];
  /** Parent ids that `tenancy.yaml` says by nesting instead. */
  parents?: readonly Parents[];
  /** Outputs the API shows only once (a key's `secret`): kept from state afterwards. */
  shownOnce?: readonly Key<Obj>[];
  /** Fields the API leaves out for some callers' roles (an organization's `billing`): absent from a read, they are not taken as cleared. */
  hiddenByRole?: readonly Key<Obj>[];
}

/** The checked inputs of a resource: its provider fields and its API body. */
export type SpecInputs<Own extends z.ZodObject, Api extends z.ZodObject> = Out<Own> & Out<Api>;
/** What a resource holds in state: its inputs, the API object's other fields, and who deployed it. */
export type SpecOutputs<Own extends z.ZodObject, Api extends z.ZodObject, Obj extends z.ZodObject> = SpecInputs<Own, Api> &
  Omit<Out<Obj>, keyof SpecInputs<Own, Api> | "id"> & { deployedBy?: string; claimedAt?: string };
/**
 * The arguments of a resource class: every input but `externalId` (the provider sets it), each a
 * `pulumi.Input`, and so is each value of a string map (`rotationTriggers: { quarter: stack.output }`).
 */
export type SpecArgs<Own extends z.ZodObject, Api extends z.ZodObject> = {
  [K in keyof Omit<In<Own> & In<Api>, "externalId">]: pulumi.Input<ArgValue<(In<Own> & In<Api>)[K]>>;
};
type ArgValue<T> = T extends object ? (string extends keyof T ? (T[string & keyof T] extends string ? Record<string, pulumi.Input<string>> : T) : T) : T;

export interface CheckFailure {
  property: string;
  reason: string;
}

export interface ResourceSpec<Own extends z.ZodObject, Api extends z.ZodObject, Obj extends z.ZodObject, Parents extends Key<Own> = never, Type extends string = string>
  extends SpecDefinition<Own, Api, Obj, Parents, Type> {
  /** Every input, the provider's first: what `read` hands back as the resource's inputs. */
  readonly inputKeys: readonly string[];
  /** The inputs `diff` compares: all but `externalId` and the steering ones. */
  readonly compared: readonly string[];
  /** The compared inputs whose change replaces the resource. */
  readonly replacing: readonly string[];
  /** The fields of the create body. */
  readonly bodyKeys: readonly string[];
  /** The output-only fields, declared on the resource class. */
  readonly outputKeys: readonly string[];
  check(news: Record<string, unknown>): { inputs: SpecInputs<Own, Api>; failures: CheckFailure[] };
  diff(olds: Record<string, unknown>, news: Record<string, unknown>): { changes: boolean; replaces: string[]; changed: string[] };
  /** The create body; `externalId` may be given its own value. */
  body(inputs: SpecInputs<Own, Api>, externalId?: string): z.input<Api>;
  /**
   * The state of the resource: its inputs, then what the API answered; from `previous` (the old
   * state, or `{ deployedBy, claimedAt }` on create) it keeps what the API shows once and who deployed it when.
   */
  outputs(inputs: SpecInputs<Own, Api>, object: z.output<Obj>, previous?: Record<string, unknown>): SpecOutputs<Own, Api, Obj>;
  /** What `read` answers for an object still there. */
  readResult(id: string, props: SpecOutputs<Own, Api, Obj>, object: z.output<Obj>): pulumi.dynamic.ReadResult<SpecOutputs<Own, Api, Obj>>;
  /** The entry of `tenancy.yaml`: the inputs but the parents' ids, `externalId` refused. */
  layoutEntry<A extends z.ZodObject = Api>(api?: A): LayoutEntry<A, Omit<Own["shape"], Parents>>;
}

const keysOf = (s: z.ZodObject) => Object.keys(s.shape);

/** What a create records beside the object (claims.ts `creation`), kept from state afterwards. */
const CREATION = ["deployedBy", "claimedAt"] as const;

const setByProvider = z.undefined({ error: "is set by the provider (the resource's URN); remove it" }).optional();

/** A `tenancy.yaml` entry: the API body with the provider's own fields, `externalId` refused. */
type LayoutEntry<A extends z.ZodObject, OwnShape extends object> = z.ZodObject<
  z.util.Extend<A["shape"], z.util.Extend<OwnShape, { externalId: typeof setByProvider }>>,
  z.core.$strict
>;

export function resourceSpec<Own extends z.ZodObject, Api extends z.ZodObject, Obj extends z.ZodObject, Parents extends Key<Own> = never, const Type extends string = string>(
  def: SpecDefinition<Own, Api, Obj, Parents, Type>,
): ResourceSpec<Own, Api, Obj, Parents, Type> {
  const ownKeys = keysOf(def.own);
  const bodyKeys = keysOf(def.api);
  const inputKeys = [...ownKeys, ...bodyKeys.filter((k) => !ownKeys.includes(k))];
  const compared = inputKeys.filter((k) => k !== "externalId" && !(def.steering as readonly string[] | undefined)?.includes(k));
  // `deployedBy`: whose token created it, so a 404 seen by another token is not taken for a deletion;
  // `claimedAt`: when this stack's create made (or recovered) it, so the program confirms its claim (claims.ts).
  const outputKeys = [...keysOf(def.object).filter((k) => k !== "id" && !inputKeys.includes(k)), ...CREATION];
  // Inputs the API object shows whenever they are set: one it no longer shows was cleared.
  const objectKeys: readonly string[] = keysOf(def.object);
  const hidden: readonly string[] = def.hiddenByRole ?? [];
  const reflected = bodyKeys.filter((k) => k !== "externalId" && objectKeys.includes(k) && !hidden.includes(k));
  const replacing = "allBut" in def.replaces ? compared.filter((k) => !(def.replaces as { allBut: readonly string[] }).allBut.includes(k)) : [...def.replaces];
  type Inputs = SpecInputs<Own, Api>;
  type Outputs = SpecOutputs<Own, Api, Obj>;

  function check(news: Record<string, unknown>) {
    const clean = withoutProvider(news);
    const api = def.apiFor?.(clean) ?? def.api;
    const unknownAt = unknownPaths(clean);
    const results = [def.own.safeParse(pick(clean, ownKeys)), api.safeParse(omit(clean, ownKeys))];
    const failures: CheckFailure[] = [];
    for (const result of results) {
      if (result.success) continue;
      for (const issue of fieldIssues(result.error.issues)) {
        // A value not known yet (preview) cannot be judged, nor can anything under or around it.
        if (unknownAt.some((u) => isPrefix(u, issue.path) || isPrefix(issue.path, u))) continue;
        const valid = inputKeys.filter((k) => k !== "externalId").join(", ");
        failures.push({ property: dottedPath(issue.path) || "(inputs)", reason: issue.unknown ? `${issue.message}; valid ones are ${valid}` : issue.message });
      }
    }
    if (!results[0].success || !results[1].success) return { inputs: news as Inputs, failures };
    return { inputs: { ...(results[0].data as object), ...(results[1].data as object) } as Inputs, failures };
  }

  function diff(olds: Record<string, unknown>, news: Record<string, unknown>) {
    // With values not known yet, `check` could not fill defaults: compare only what the preview has.
    const fields = hasUnknowns(news) ? compared.filter((f) => news[f] !== undefined) : compared;
    const changed = fields.filter((f) => !same(olds[f], news[f]));
    return { changes: changed.length > 0, replaces: changed.filter((f) => replacing.includes(f)), changed };
  }

  function outputs(inputs: Inputs, object: z.output<Obj>, previous: Record<string, unknown> = {}): Outputs {
    const { id: _, ...fields } = object as Record<string, unknown>;
    // What the API shows once: as it answered now if it did (a create, a rotation), else from state.
    const shownOnce: readonly string[] = def.shownOnce ?? [];
    const kept = { ...pick(previous, [...shownOnce, ...CREATION]), ...pick(fields, shownOnce) };
    // The object's own `externalId` may carry a suffix (rotations); state keeps the URN.
    return { ...pick(inputs, inputKeys), ...fields, ...kept, externalId: (inputs as { externalId?: string }).externalId } as unknown as Outputs;
  }

  return Object.freeze({
    ...def,
    inputKeys,
    compared,
    replacing,
    bodyKeys,
    outputKeys,
    check,
    diff,
    body: (inputs: Inputs, externalId?: string) => ({ ...pick(inputs, bodyKeys), ...(externalId ? { externalId } : {}) }) as z.input<Api>,
    outputs,
    readResult: (id: string, props: Outputs, object: z.output<Obj>) => {
      // The object as it is now: an optional field cleared out of band (PATCH with null) is gone
      // from the answer, and must go from state too, or refresh misses the drift and up never
      // puts it back.
      const shown = object as Record<string, unknown>;
      const cleared = reflected.filter((k) => shown[k] === undefined);
      const outs = outputs(omit(props, cleared) as Inputs, object, props);
      // The SDK types read's `inputs` as the outputs; they are the inputs the object now has.
      return { id, props: outs, inputs: pick(outs, inputKeys) as unknown as Outputs };
    },
    layoutEntry: <A extends z.ZodObject = Api>(api?: A) => {
      const parents: readonly string[] = def.parents ?? [];
      const own = Object.fromEntries(Object.entries(def.own.shape).filter(([k]) => !parents.includes(k)));
      const entry = (api ?? def.api).safeExtend({ ...own, externalId: setByProvider });
      return entry as unknown as LayoutEntry<A, Omit<Own["shape"], Parents>>;
    },
  });
}

function isPrefix(a: readonly (string | number)[], b: readonly (string | number)[]): boolean {
  return a.length <= b.length && a.every((s, i) => String(s) === String(b[i]));
}

import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { TenancyClient } from "./client";
import { confirmingHeldClaims, confirmOnceRecorded, creation } from "./claims";
import { GONE, unlessGone, Whereabouts } from "./gone";
import { logicalName, Props, withContext } from "./inputs";
import { Implementation, lazyClient, MODULE, resourceProps } from "./resource";
import { ResourceSpec, SpecArgs, SpecInputs, SpecOutputs } from "./spec";
import { providerFor } from "./stub";

/**
 * The shell every resource kind shares, so that a kind is its spec and what only it does. From
 * the spec: check, diff, the outputs (state) and the class's output properties. Around each
 * operation: the client, the context of an error (`create Project "chat-prod": …`), who deployed
 * it and when (`deployedBy`, `claimedAt`), a 404 taken for a deletion only once confirmed
 * (gone.ts), the claims of claims.ts, the provider stub, and the resource class itself.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a spec of any kind; its own types flow through the generics
type AnySpec = ResourceSpec<any, any, any, any, any>;

/** What an operation is handed: the client, and `gone` for a call whose 404 may mean the object is gone. */
export interface Call {
  client: TenancyClient;
  /** Awaits `call`; its 404 becomes `undefined` once confirmed (gone.ts), or an error naming the likely mistake. */
  gone<T>(call: Promise<T>): Promise<T | undefined>;
}

/** What only one kind knows; the shell does the rest. `I` are its checked inputs, `O` its state, `Obj` the API object. */
export interface Operations<I, O, Obj, Kind extends string, Secret extends keyof O & string> {
  /**
   * The name the stubs stored in state dispatch by (runtime.ts), and of its module under kinds/
   * (stub.ts `kindModule`) if it has one: never renamed.
   */
  kind: Kind;
  /** The input that names the resource in messages where its URN does not: `Project "chat-prod"`. */
  labelField: keyof I & string;
  /** Where the resource lives, to tell its deletion from a token that cannot see it (gone.ts). */
  whereabouts(id: string, props: O): Omit<Whereabouts, "label" | "deployedBy">;
  /** Creates the object (or takes over the one a lost create made); its id is the resource's. */
  create(client: TenancyClient, inputs: I): Promise<{ id: string; object: Obj }>;
  /** The object as it is now, or `undefined` when it is gone (deleted, archived, revoked). */
  read(call: Call, id: string, props: O): Promise<Obj | undefined>;
  /** Makes the object what `news` declare; answers it as it now is. */
  update(call: Call, id: string, olds: O, news: I): Promise<Obj>;
  delete(call: Call, id: string, props: O): Promise<void>;
  /** The object a claim names (claims.ts), from the id and outputs; `claimFields` are the outputs it reads. */
  claimOf(id: string, props: O): string;
  claimFields?: readonly (keyof O & string)[];
  /** Amends the spec's diff (a replacement that creates first; drift only this kind sees). */
  diff?(diff: ReturnType<AnySpec["diff"]>, olds: O, news: I): pulumi.dynamic.DiffResult;
  /** Wraps the kind's implementation with behaviour of its own (organization and project: exclusive access), inside the claims check. */
  wrap?(implementation: Implementation<I, O>): Implementation<I, O>;
  /** Outputs that are Pulumi secrets: credentials the API shows once, always in state after a create. */
  secrets?: readonly Secret[];
}

/** The output properties of a resource class: every field of its state, a secret one always set. */
export type ResourceOutputs<O, Secret extends keyof O = never> = { readonly [K in keyof O]-?: pulumi.Output<K extends Secret ? NonNullable<O[K]> : O[K]> };

/** The class of a kind, as the package exports it (`class Project extends projectKind.Resource {}`). */
export interface ResourceClass<Args, O, Definition, Secret extends keyof O = never> {
  new (name: string, args: Args, opts?: pulumi.CustomResourceOptions): pulumi.dynamic.Resource & ResourceOutputs<O, Secret>;
  /** The kind it is of: the table of kinds (resources.ts) reads it. */
  readonly kind: Definition;
}

type InputsOf<S extends AnySpec> = SpecInputs<S["own"], S["api"]>;
type OutputsOf<S extends AnySpec> = SpecOutputs<S["own"], S["api"], S["object"]>;
type ObjectOf<S extends AnySpec> = z.output<S["object"]>;

export function defineResource<S extends AnySpec, const Kind extends string, const Secret extends keyof OutputsOf<S> & string = never>(
  spec: S,
  ops: Operations<InputsOf<S>, OutputsOf<S>, ObjectOf<S>, Kind, Secret>,
) {
  type Inputs = InputsOf<S>;
  type Outputs = OutputsOf<S>;

  const bare: Implementation<Inputs, Outputs> = (settings) => {
    const client = lazyClient(settings);
    const label = (inputs: Inputs | Outputs) => {
      const props = inputs as Props;
      return `${spec.type} "${logicalName(props, props[ops.labelField])}"`;
    };
    const call = (id: string, props: Outputs): Call => ({
      client: client(),
      gone: async (pending) => {
        const found = await unlessGone(client(), pending, { ...ops.whereabouts(id, props), label: label(props), deployedBy: props.deployedBy });
        return found === GONE ? undefined : found;
      },
    });
    return {
      check: async (_olds, news) => spec.check(news as Props),
      diff: async (_id, olds, news) => {
        const diff = spec.diff(olds as Props, news as Props);
        return ops.diff ? ops.diff(diff, olds, news) : diff;
      },
      create: (inputs) =>
        withContext(`create ${label(inputs)}`, async () => {
          const { id, object } = await ops.create(client(), inputs);
          return { id, outs: spec.outputs(inputs, object, await creation(client())) };
        }),
      read: (id, props) =>
        withContext(`read ${label(props!)}`, async () => {
          const object = await ops.read(call(id, props!), id, props!);
          return object === undefined ? { id: "" } : spec.readResult(id, props!, object);
        }),
      update: (id, olds, news) =>
        withContext(`update ${label(news)}`, async () => ({ outs: spec.outputs(news, await ops.update(call(id, olds), id, olds, news), olds) })),
      delete: (id, props) => withContext(`delete ${label(props)}`, () => ops.delete(call(id, props), id, props)),
    };
  };
  const implementation = confirmingHeldClaims(ops.wrap ? ops.wrap(bare) : bare, ops.claimOf);

  const definition = { kind: ops.kind, type: spec.type as S["type"], spec, implementation };
  const provider = providerFor(ops.kind);
  const secrets = ops.secrets ?? [];
  class Resource extends pulumi.dynamic.Resource {
    static readonly kind = definition;
    constructor(name: string, args: SpecArgs<S["own"], S["api"]>, opts?: pulumi.CustomResourceOptions) {
      const options = secrets.length > 0 ? pulumi.mergeOptions(opts, { additionalSecretOutputs: [...secrets] }) : opts;
      super(provider, name, resourceProps(spec, name, args, options), options, MODULE, spec.type);
      confirmOnceRecorded(this, ops.claimOf, ops.claimFields);
    }
  }
  return {
    ...definition,
    implementation: implementation as Implementation<Inputs, Outputs>,
    Resource: Resource as unknown as ResourceClass<SpecArgs<S["own"], S["api"]>, Outputs, typeof definition, Secret>,
  };
}

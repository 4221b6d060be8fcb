import { KINDS as DEFINITIONS, KindType } from "../kind-table";
import { kindModule } from "../stub";
import { fold } from "./fold";

/**
 * Which resources are tenancy's. Only a resource run by tenancy's own provider is one: its type
 * token is `pulumi-nodejs:dynamic/tenancy:<Kind>` AND its provider (the `__provider` text Pulumi
 * serializes into a dynamic resource's inputs) is tenancy's code for that same kind. A type alone
 * proves nothing (a component can carry any type string), and tenancy's provider code can run
 * under any type (a bare `dynamic.Resource`): such a resource can change access without the
 * review describing it, so it is reported, never read as what it claims to be.
 */

/** The kinds of tenancy's resources, by their Pulumi type (kind-table.ts). */
export type Kind = KindType;
export const KINDS: readonly Kind[] = DEFINITIONS.map((k) => k.type);

/** tenancy's own components: they grant nothing themselves; their children are reviewed. */
export const COMPONENT_TYPES: readonly string[] = ["tenancy:index:ProjectSet"];


export interface Identified {
  /** The kind, when the resource is tenancy's own. */
  kind?: Kind;
  /** Why the resource is not reviewed though it may change access (imitation or foreign use). */
  unreviewed?: string;
}

/** The kinds whose provider code a `__provider` text runs; empty when it is not tenancy's. */
export function providerKinds(provider: string | undefined): Kind[] {
  if (!provider || !provider.includes("pulumi-tenancy")) return [];
  // How each kind's provider names it: the installed module's file, or the stub's captured `kind`.
  const runs = DEFINITIONS.filter(({ kind }) => provider.includes(`pulumi-tenancy/dist/provider/kinds/${kindModule(kind)}.js"`) || provider.includes(`kind: "${kind}"`));
  return runs.map((k) => k.type);
}

const typeKind = (type: string): Kind | undefined => KINDS.find((k) => type === `pulumi-nodejs:dynamic/tenancy:${k}`);

/** Inputs only tenancy's resources take: a dynamic resource holding them may run tenancy's provider. */
const TENANCY_INPUTS = ["organizationId", "projectId"];

export function identify(r: { type: string; provider?: string; custom?: boolean; props?: Record<string, unknown> }): Identified {
  if (r.type.startsWith("pulumi:") || (COMPONENT_TYPES.includes(r.type) && r.provider === undefined && !r.custom)) return {};
  const claimed = typeKind(r.type);
  if (r.provider === undefined && r.custom !== undefined) return identifyWithoutProviderCode(r, claimed);
  const runs = providerKinds(r.provider);
  if (claimed && runs.length === 1 && runs[0] === claimed) return { kind: claimed };
  if (r.provider?.includes("pulumi-tenancy")) {
    const what = runs.length === 1 ? `tenancy's ${runs[0]} provider` : "tenancy's provider code";
    return { unreviewed: claimed ? `its provider is not tenancy's ${claimed} provider (${what})` : `it runs ${what} under the type ${r.type}` };
  }
  if (claimed) return { unreviewed: `its type claims tenancy's ${claimed}, but its provider is not tenancy's` };
  if (/tenancy/.test(fold(r.type).replace(/[^a-z]/g, ""))) return { unreviewed: `its type ${r.type} imitates tenancy's` };
  return {};
}

/**
 * A policy pack is not shown `__provider`, only whether a resource has a provider at all: a
 * custom resource of tenancy's type is taken as tenancy's, a component of that type is an
 * imitation, and any other dynamic resource holding tenancy's inputs may run its provider code.
 */
function identifyWithoutProviderCode(r: { type: string; custom?: boolean; props?: Record<string, unknown> }, claimed: Kind | undefined): Identified {
  if (claimed) return r.custom ? { kind: claimed } : { unreviewed: `its type claims tenancy's ${claimed}, but it is a component, run by no provider` };
  if (r.custom && r.type.startsWith("pulumi-nodejs:dynamic") && TENANCY_INPUTS.some((k) => r.props?.[k] !== undefined)) {
    return { unreviewed: `it is a dynamic resource with tenancy's inputs (${TENANCY_INPUTS.filter((k) => r.props?.[k] !== undefined).join(", ")}) under the type ${r.type}` };
  }
  if (/tenancy/.test(fold(r.type).replace(/[^a-z]/g, ""))) return { unreviewed: `its type ${r.type} imitates tenancy's` };
  return {};
}

import * as resources from "./resources";

/** Every resource kind's definition (define-resource.ts), from the classes resources.ts lists. */
export const KINDS = Object.values(resources).map((resource) => resource.kind);

export type KindDefinition = (typeof KINDS)[number];
/** The name a kind's stub dispatches by: `apiKey`. */
export type ResourceKind = KindDefinition["kind"];
/** The Pulumi type of a kind: `ApiKey`, in `pulumi-nodejs:dynamic/tenancy:ApiKey`. */
export type KindType = KindDefinition["type"];

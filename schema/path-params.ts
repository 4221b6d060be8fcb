import type { IdKind } from "./common";

/**
 * The path parameters an operation may name, each an id of one kind: a malformed one is the same
 * 404 as a missing one (never a 400), so an operation naming any other `{param}` does not compile
 * (`operations`) and a route naming one refuses to build (`assertDeclared`).
 */
export const PATH_PARAMS = {
  orgId: { kind: "organization", label: "organization" },
  projectId: { kind: "project", label: "project" },
  userId: { kind: "user", label: "member" },
  keyId: { kind: "apiKey", label: "api key" },
  tokenId: { kind: "token", label: "token" },
  invitationId: { kind: "invitation", label: "invitation" },
} as const satisfies Record<string, { kind: IdKind; label: string }>;
export type PathParam = keyof typeof PATH_PARAMS;

/** The `{names}` of a path template, as a type. */
export type NamesIn<P extends string> = P extends `${string}{${infer N}}${infer Rest}` ? N | NamesIn<Rest> : never;

/** `/v1/organizations/{orgId}/members/{userId}` → `{ orgId: string; userId: string }`. */
export type ParamsOf<P extends string> = { readonly [K in NamesIn<P>]: string };

/** The `{names}` of a path template, in order. */
export function paramNames(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
}

export const isPathParam = (name: string): name is PathParam => Object.hasOwn(PATH_PARAMS, name);

/** Fills a path template: `{orgId}` → the encoded value of `params.orgId`. */
export function fillPath<P extends string>(path: P, params: ParamsOf<P>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = (params as Record<string, string | undefined>)[name];
    if (value === undefined) throw new Error(`${path} needs a value for {${name}}`);
    return encodeURIComponent(value);
  });
}

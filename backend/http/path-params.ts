import { ID_PREFIX, IdKind } from "../../schema/common";

/**
 * The path parameters a route may name, each an id of one kind: a malformed one is the same 404
 * as a missing one (never a 400), so a route naming any other `{param}` refuses to build.
 */
export const PATH_PARAMS = {
  orgId: { kind: "organization", label: "organization" },
  projectId: { kind: "project", label: "project" },
  userId: { kind: "user", label: "member" },
  keyId: { kind: "apiKey", label: "api key" },
  tokenId: { kind: "token", label: "token" },
} as const satisfies Record<string, { kind: IdKind; label: string }>;
export type PathParam = keyof typeof PATH_PARAMS;

type NamesIn<P extends string> = P extends `${string}{${infer N}}${infer Rest}` ? N | NamesIn<Rest> : never;

/** `/v1/organizations/{orgId}/members/{userId}` → `{ orgId: string; userId: string }`. */
export type ParamsOf<P extends string> = { readonly [K in NamesIn<P>]: string };

/** The `{names}` of a path template, in order. */
export function paramNames(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
}

export const isPathParam = (name: string): name is PathParam => Object.hasOwn(PATH_PARAMS, name);

/** The id prefix a parameter's values carry (`org` for `orgId`). */
export const prefixOf = (name: PathParam): string => ID_PREFIX[PATH_PARAMS[name].kind];

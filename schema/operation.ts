import type { z } from "zod";
import type { NamesIn, ParamsOf, PathParam } from "./path-params";

export type Method = "GET" | "POST" | "PATCH" | "DELETE";

/**
 * What client and server agree on for one operation of the API. The backend's `route()` adds only
 * server concerns to it (scope, permission, guards, handler); the provider's client calls it by
 * name. Changing a body, a path or a response here changes the types of both, so a drift fails
 * to compile; /openapi.json is generated from the same objects.
 */
export interface OperationSpec {
  method: Method;
  /** OpenAPI path template (`/v1/organizations/{orgId}`); each `{name}` one of PATH_PARAMS. */
  path: string;
  summary: string;
  /** The success status; the pipeline answers it, the handler never sets one. */
  status: number;
  query?: z.ZodType;
  body?: z.ZodType;
  response?: z.ZodType;
  /**
   * The one other success answer the operation may give, with its own status and body (202: the
   * request was taken, but what it asks for waits on someone, such as an invitation the person
   * must accept). The handler chooses it by returning `alternate(body)` (backend/http/route.ts);
   * the pipeline answers this status, /openapi.json documents it, a client validates its body.
   */
  alternate?: AlternateSpec;
}

export interface AlternateSpec {
  status: number;
  /** When the operation answers this instead of `status`. */
  when: string;
  response: z.ZodType;
}

/** An operation with its id: the name it has in its table, the generated clients' method name. */
export type Operation<K extends string = string, S extends OperationSpec = OperationSpec> = Readonly<S> & { readonly operationId: K };

type Unknown<P extends string> = Exclude<NamesIn<P>, PathParam>;
/** Nothing for a path whose `{params}` are all PATH_PARAMS; else a required property whose name says what is wrong. */
type KnownParams<P extends string> = [Unknown<P>] extends [never] ? unknown : { [M in `path names {${Unknown<P>}}, not one of PATH_PARAMS`]: never };

/** Names each operation after its key (`operationId`); a path naming an unknown `{param}` does not compile. */
export function operations<const T extends Record<string, OperationSpec>>(specs: T & { [K in keyof T]: KnownParams<T[K]["path"]> }): { readonly [K in keyof T & string]: Operation<K, T[K]> } {
  return Object.freeze(Object.fromEntries(Object.entries(specs).map(([operationId, spec]) => [operationId, Object.freeze({ ...spec, operationId })]))) as never;
}

type SchemaAt<O, F extends "query" | "body" | "response"> = O extends { readonly [k in F]: infer S extends z.ZodType } ? S : undefined;

/** The operation's path parameters. */
export type PathParamsOf<O extends OperationSpec> = ParamsOf<O["path"]>;
/** The query as sent (`z.input`), and as the handler gets it (parsed; `{}` when the operation takes none). */
export type QueryIn<O> = SchemaAt<O, "query"> extends z.ZodType ? z.input<SchemaAt<O, "query">> : undefined;
export type QueryOut<O> = SchemaAt<O, "query"> extends z.ZodType ? z.output<SchemaAt<O, "query">> : Record<string, never>;
/** The body as sent, and as the handler gets it (undefined when the operation takes none). */
export type BodyIn<O> = SchemaAt<O, "body"> extends z.ZodType ? z.input<SchemaAt<O, "body">> : undefined;
export type BodyOut<O> = SchemaAt<O, "body"> extends z.ZodType ? z.output<SchemaAt<O, "body">> : undefined;
/**
 * The body of an operation's alternate answer, as the handler returns it: wrapped, so the pipeline
 * tells it from the usual answer and answers the alternate's status.
 */
export class Alternate<T = unknown> {
  constructor(readonly body: T) {}
}
type AlternateAt<O> = O extends { readonly alternate: { response: infer S extends z.ZodType } } ? S : undefined;
/** The alternate answer's body as the client gets it (never, when the operation has none). */
export type AlternateOut<O> = AlternateAt<O> extends z.ZodType ? z.output<AlternateAt<O>> : never;

/** What the handler returns (nothing for a 204; its alternate answer wrapped), and what the client gets back after validating it. */
export type ResponseIn<O> =
  | (SchemaAt<O, "response"> extends z.ZodType ? z.input<SchemaAt<O, "response">> : O extends { status: 204 } ? void : unknown)
  | (AlternateAt<O> extends z.ZodType ? Alternate<z.input<AlternateAt<O>>> : never);
export type ResponseOut<O> = SchemaAt<O, "response"> extends z.ZodType ? z.output<SchemaAt<O, "response">> : O extends { status: 204 } ? undefined : unknown;

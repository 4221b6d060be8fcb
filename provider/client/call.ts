import { z } from "zod";
import type { AlternateOut, BodyIn, OperationSpec, QueryIn, ResponseOut } from "../../schema/operation";
import { OPERATIONS, OperationId, Operations } from "../../schema/operations";
import { fillPath, NamesIn, ParamsOf } from "../../schema/path-params";
import type { Http } from "./http";

/**
 * What a call of an operation takes, from the operation itself: its path parameters, its query
 * and its body, each only when it has them. A body or path that drifts from schema/*.operations.ts
 * is a compile error here as in the backend's route.
 */
export type ArgsOf<O extends OperationSpec> = ([NamesIn<O["path"]>] extends [never] ? unknown : { params: ParamsOf<O["path"]> }) &
  (O extends { query: z.ZodType } ? { query?: QueryIn<O> } : unknown) &
  (O extends { body: z.ZodType } ? { body: BodyIn<O> } : unknown);

/** The arguments of `call(id, …)`: none when the operation takes nothing. */
export type CallArgs<K extends OperationId> = {} extends ArgsOf<Operations[K]> ? [args?: ArgsOf<Operations[K]>] : [args: ArgsOf<Operations[K]>];

export type Answer<K extends OperationId> = ResponseOut<Operations[K]>;

const NO_CONTENT = z.undefined();
const ANY = z.unknown();

/** Query values go as strings; an undefined filter is left out. */
function queryString(query: Record<string, unknown> | undefined): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(query ?? {}).map(([k, v]) => [k, v === undefined ? undefined : String(v)]));
}

/** Sends operation `id` by its method and path template, validating the answer with its response schema. */
export function callOperation<K extends OperationId>(http: Http, id: K, args: { params?: object; query?: object; body?: unknown } = {}): Promise<Answer<K>> {
  const op: OperationSpec = OPERATIONS[id];
  const path = fillPath(op.path, (args.params ?? {}) as ParamsOf<string>);
  return http.send(op.response ?? (op.status === 204 ? NO_CONTENT : ANY), op.method, path, { query: queryString(args.query as Record<string, unknown>), body: args.body }) as Promise<Answer<K>>;
}

/** The answer of an operation that may answer its alternate (schema/operation.ts): which one it was, and its body. */
export type EitherAnswer<K extends OperationId> = { alternate: false; body: Answer<K> } | { alternate: true; body: AlternateOut<Operations[K]> };

/** Sends operation `id`, validating its answer with the schema of the status it came with: its usual answer's, or its alternate's. */
export async function callEither<K extends OperationId>(http: Http, id: K, args: { params?: object; query?: object; body?: unknown } = {}): Promise<EitherAnswer<K>> {
  const op: OperationSpec = OPERATIONS[id];
  const path = fillPath(op.path, (args.params ?? {}) as ParamsOf<string>);
  const alternate = (status: number) => status === op.alternate?.status;
  const schemaFor = (status: number) => (alternate(status) ? op.alternate!.response : (op.response ?? ANY));
  const { status, body } = await http.sendFor(schemaFor, op.method, path, { query: queryString(args.query as Record<string, unknown>), body: args.body });
  return { alternate: alternate(status), body } as EitherAnswer<K>;
}

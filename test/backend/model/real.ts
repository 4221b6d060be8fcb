import assert from "node:assert/strict";
import { Backend } from "../../support/backend";
import { call, Res } from "../helpers";
import { Host } from "./host";
import { Actor, Refusal } from "./model";

/** The system under test: one backend for the whole run, and the host-side helpers. */
export interface Real {
  backend: Backend;
  host: Host;
  /** How often each route answered each status: printed with TENANCY_MODEL_STATS=1, to see what the run covered. */
  stats: Map<string, number>;
}

export interface Request {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  body?: unknown;
}

/** One call as `a`: its token, and its own address in X-Forwarded-For (the backend trusts 127.0.0.1). */
export function send(r: Real, a: Actor, req: Request): Promise<Res> {
  return call(r.backend.url, req.method, req.path, a.token, { body: req.body, headers: { "x-forwarded-for": a.ip } });
}

const EXTRA_PROBLEM_FIELDS: Record<string, string[]> = { invalid_request: ["errors"], member_exists: ["existing"], invitation_pending: ["existing"], owns_active_keys: ["keys"], sso_required: ["signIn"], mfa_required: ["signIn"] };

function where(a: Actor, req: Request, res: Res): string {
  return `${a.label} ${req.method} ${req.path}${req.body === undefined ? "" : ` ${JSON.stringify(req.body)}`} → ${res.status} ${res.text.slice(0, 300)}`;
}

/** A well-formed id of the same kind that names nothing. */
function missingLike(id: string): string {
  return `${id.slice(0, id.indexOf("_"))}_0000000000000000missing`;
}

function shape(res: Res, id: string) {
  const { requestId, ...rest } = res.body ?? {};
  return { status: res.status, type: res.headers["content-type"], body: { ...rest, detail: String(rest.detail).split(id).join("<id>"), requestId: typeof requestId } };
}

/**
 * Sends the call and checks it against the model's verdict: `refusals` null means it must
 * succeed with `ok`; otherwise the answer must be one of the refusals, as a complete problem body,
 * and a 404 must be indistinguishable from the same call on an id that does not exist. With
 * `orOk`, success is acceptable too (where DESIGN.md lets the backend choose).
 */
export async function expectCall(r: Real, a: Actor, req: Request, refusals: Refusal[] | null, ok: number, orOk = false): Promise<any> {
  const res = await send(r, a, req);
  const route = `${req.method} ${req.path.replace(/\?.*$/, "").replace(/[a-z]+_[A-Za-z0-9]{8,40}/g, "{id}")} ${res.status}${res.body?.code ? ` ${res.body.code}` : ""}`;
  r.stats.set(route, (r.stats.get(route) ?? 0) + 1);
  if (!refusals || (orOk && res.status === ok)) {
    assert.equal(res.status, ok, `expected ${ok}: ${where(a, req, res)}`);
    return res.body;
  }
  const match = refusals.find((x) => x.status === res.status && x.code === res.body?.code);
  assert.ok(match, `expected ${refusals.map((x) => `${x.status} ${x.code}`).join(" or ")}: ${where(a, req, res)}`);
  assert.equal(res.headers["content-type"], "application/problem+json; charset=utf-8", where(a, req, res));
  const allowed = ["type", "title", "status", "detail", "code", "requestId", ...(EXTRA_PROBLEM_FIELDS[match.code] ?? [])];
  assert.deepEqual(Object.keys(res.body).filter((k) => !allowed.includes(k)), [], `unexpected problem fields: ${where(a, req, res)}`);
  assert.equal(res.body.status, res.status, where(a, req, res));
  assert.equal(typeof res.body.requestId, "string", where(a, req, res));
  if (match.status === 404 && match.hidden) {
    const missing = missingLike(match.hidden);
    const twin = await send(r, a, { ...req, path: req.path.split(match.hidden).join(missing) });
    assert.deepEqual(shape(res, match.hidden), shape(twin, missing), `an invisible id answers unlike a missing one: ${where(a, req, res)}`);
  }
  return undefined;
}

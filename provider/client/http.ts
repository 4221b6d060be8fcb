import { randomUUID } from "node:crypto";
import { z } from "zod";
import { problem, TenancyError } from "../../schema/errors";

/**
 * The transport under the typed client: JSON over HTTP with the backend's problem+json errors
 * rebuilt as `TenancyError`, retries of transient failures, and an `Idempotency-Key` on every POST
 * that stays the same across the retries of one call, so a retried create never makes two objects.
 */

export interface HttpOptions {
  endpoint: string;
  token: string;
  /** Attempts per request, the first included. */
  attempts?: number;
  /** First backoff delay in milliseconds; doubles per attempt (with jitter) unless `Retry-After` says otherwise. */
  backoffMs?: number;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | undefined>;
}

const RETRY_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT", "EAI_AGAIN"]);

export class Http {
  readonly endpoint: string;
  private readonly attempts: number;
  private readonly backoffMs: number;

  constructor(private readonly options: HttpOptions) {
    this.endpoint = options.endpoint.replace(/\/+$/, "");
    this.attempts = options.attempts ?? 6;
    this.backoffMs = options.backoffMs ?? 200;
  }

  /** Sends one request, validates the answer with `schema`; `undefined` for a 204. */
  async send<T extends z.ZodType>(schema: T, method: string, path: string, opts: RequestOptions = {}): Promise<z.infer<T>> {
    const { status, text } = await this.exchange(method, path, opts);
    return status === 204 ? (undefined as z.infer<T>) : parse(schema, text, method, path);
  }

  /**
   * Sends one request whose success statuses mean different things (201 a membership, 202 an
   * invitation); validates the answer with the schema `schemaFor` gives its status, and says which status it was.
   */
  async sendFor(schemaFor: (status: number) => z.ZodType, method: string, path: string, opts: RequestOptions = {}): Promise<{ status: number; body: unknown }> {
    const { status, text } = await this.exchange(method, path, opts);
    return { status, body: parse(schemaFor(status), text, method, path) };
  }

  /** The request with its retries; a failure answer becomes its `TenancyError`. */
  private async exchange(method: string, path: string, opts: RequestOptions): Promise<{ status: number; text: string }> {
    const url = new URL(this.endpoint + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.token}`, accept: "application/json" };
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    if (method === "POST") headers["idempotency-key"] = randomUUID();
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);

    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(url, { method, headers, body });
      } catch (err) {
        if (attempt < this.attempts && isTransient(err)) {
          await sleep(this.delay(attempt));
          continue;
        }
        throw new TenancyError("unavailable", `cannot reach the tenancy backend at ${this.endpoint} (${describe(err)})`);
      }
      if ((res.status === 429 || res.status >= 500) && attempt < this.attempts) {
        await res.arrayBuffer().catch(() => undefined);
        await sleep(this.delay(attempt, res.headers.get("retry-after")));
        continue;
      }
      const text = res.status === 204 ? "" : await res.text();
      if (!res.ok) throw toError(res, text, method, path, this.endpoint);
      return { status: res.status, text };
    }
  }

  private delay(attempt: number, retryAfter?: string | null): number {
    const seconds = retryAfter ? Number(retryAfter) : NaN;
    if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 60) * 1000;
    if (retryAfter && !Number.isNaN(Date.parse(retryAfter))) return Math.min(Math.max(Date.parse(retryAfter) - Date.now(), 0), 60_000);
    const base = this.backoffMs * 2 ** (attempt - 1);
    return Math.min(base + Math.random() * base * 0.2, 10_000);
  }
}

/**
 * Rebuilds the backend's `TenancyError` from its problem+json body. A 404 that is not the API's
 * own `not_found` — a route it does not have, or no problem+json at all — is never taken for a
 * missing object: it means the endpoint is wrong, and refresh must not drop resources over it.
 */
function toError(res: Response, text: string, method: string, path: string, endpoint: string): TenancyError {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const p = problem.safeParse(body);
  const unknownRoute = p.success && p.data.code === "unknown_route";
  if (res.status === 404 && (unknownRoute || !p.success)) {
    return new TenancyError("unknown_route", wrongEndpoint(endpoint, `${method} ${path} answered 404 ${unknownRoute ? "unknown_route" : "without a tenancy problem+json body"}`));
  }
  if (!p.success) return new TenancyError("internal", `unexpected ${res.status} answer to ${method} ${path} from ${endpoint}`);
  const retryAfter = Number(res.headers.get("retry-after"));
  return new TenancyError(p.data.code, p.data.detail, {
    errors: p.data.errors,
    existing: p.data.existing,
    keys: p.data.keys,
    retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  });
}

/** The sentence for an endpoint that is not a tenancy API's base URL. */
export function wrongEndpoint(endpoint: string, evidence: string): string {
  return (
    `${endpoint} is not the base URL of a tenancy API (${evidence}); ` +
    "check tenancy:endpoint (or TENANCY_ENDPOINT): it is the API's root, such as http://127.0.0.1:7410, with no path"
  );
}

function parse<T extends z.ZodType>(schema: T, text: string, method: string, path: string): z.infer<T> {
  const parsed = schema.safeParse(parseJson(text));
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; ");
    throw new TenancyError("internal", `unexpected response to ${method} ${path}: ${where}`);
  }
  return parsed.data;
}

function parseJson(text: string): unknown {
  try {
    return text === "" ? undefined : JSON.parse(text);
  } catch {
    return text;
  }
}

function isTransient(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as { code?: string }).code;
    if (code && RETRY_CODES.has(code)) return true;
    if (e.message === "other side closed") return true;
  }
  return false;
}

function describe(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error; e = e.cause) parts.push((e as { code?: string }).code ?? e.message);
  return parts.join(": ") || String(err);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

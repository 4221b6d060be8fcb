import { z } from "zod";
import { ERROR_STATUS, problem } from "../../schema/errors";
import { isPathParam, paramNames, prefixOf } from "./path-params";
import type { RouteDef } from "./route";

function schemaOf(s: z.ZodType, io: "input" | "output"): unknown {
  // Refinements and transforms have no JSON Schema form; the shape around them still does.
  const { $schema: _ignored, ...json } = z.toJSONSchema(s, { io, unrepresentable: "any" }) as Record<string, unknown>;
  return json;
}

function queryParameters(query: z.ZodType | undefined) {
  if (!query) return [];
  const json = schemaOf(query, "input") as { properties?: Record<string, { description?: string }>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, schema]) => ({ name, in: "query", required: json.required?.includes(name) ?? false, description: schema.description ?? `filter or page by ${name}`, schema }));
}

function pathParameters(path: string) {
  // assertDeclared refused any name outside PATH_PARAMS before a document was built.
  return paramNames(path).filter(isPathParam).map((name) => ({
    name,
    in: "path",
    required: true,
    description: `the ${prefixOf(name)}_… id (a malformed id answers 404 like a missing one)`,
    schema: { type: "string", pattern: `^${prefixOf(name)}_[A-Za-z0-9]{8,40}$` },
  }));
}

const PROBLEM = { $ref: "#/components/schemas/Problem" };
const problemAnswer = (description: string) => ({ description, content: { "application/problem+json": { schema: PROBLEM } } });
const WHY: Partial<Record<number, string>> = {
  400: "invalid_request: a parameter or the body is invalid (`errors[]` names each field)",
  401: "unauthenticated, token_too_old or token_idle",
  403: "forbidden or ip_not_allowed: visible, but the caller's role or network may not do this",
  404: "not_found: missing, malformed or invisible to the caller (the same answer for all three)",
  409: "a conflict: name_taken, member_exists, external_id_taken, last_admin, owns_active_keys or has_active_projects",
  412: "version_mismatch: If-Match names an older version",
  413: "payload_too_large",
  422: "idempotency_mismatch: the Idempotency-Key was used with another request",
  429: "rate_limited: see Retry-After and the RateLimit-* headers",
};

/** The data plane answers its own 429s and conflicts, not the management API's. */
const dataPlane = (r: RouteDef) => r.scope === "gateway";

/** The failure answers a route can give, from what it declares: status → what it means here. */
function failures(r: RouteDef): Map<number, string> {
  const write = r.method !== "GET";
  // Every route answers 400 for a query parameter it does not take (the pipeline's parseQuery).
  // The data plane answers its own 429 (limit_exceeded, declared by its routes), not the request limit.
  const codes = new Set<number>(r.rateLimit === false || dataPlane(r) ? [400] : [400, 429]);
  if (r.scope !== "none") codes.add(401);
  if (r.scope === "organization" || r.scope === "project") codes.add(403).add(404);
  if (r.path.includes("{")) codes.add(404);
  if (write && r.scope !== "none" && !dataPlane(r)) codes.add(409);
  if (r.ifMatch) codes.add(412);
  if (r.body) codes.add(413);
  if (r.method === "POST" && r.status === 201) codes.add(422);
  if (r.scope === "user" && r.permission !== "self") codes.add(403);
  const why = new Map([...codes].map((s) => [s, WHY[s]!]));
  if (r.activeProject) why.set(400, `${WHY[400]}; or the project is archived (archived projects are read-only)`);
  for (const code of r.answers ?? []) {
    const s = ERROR_STATUS[code];
    why.set(s, why.has(s) ? `${why.get(s)}; or ${code}` : code);
  }
  return new Map([...why].sort(([a], [b]) => a - b));
}

/** Headers the answers carry: the object's version as ETag, the request limit's window. */
const HEADERS = {
  ETag: { description: "the object's version, quoted: send it back in If-Match", schema: { type: "string" } },
  "RateLimit-Limit": { description: "requests allowed per minute to this caller (IETF draft RateLimit headers)", schema: { type: "integer" } },
  "RateLimit-Remaining": { description: "requests left in the current window", schema: { type: "integer" } },
  "RateLimit-Reset": { description: "seconds until the window ends", schema: { type: "integer" } },
  "Retry-After": { description: "seconds to wait before retrying", schema: { type: "integer" } },
};
const ref = (name: keyof typeof HEADERS) => ({ $ref: `#/components/headers/${name}` });
const LIMIT_HEADERS = { "RateLimit-Limit": ref("RateLimit-Limit"), "RateLimit-Remaining": ref("RateLimit-Remaining"), "RateLimit-Reset": ref("RateLimit-Reset") };

/** Which headers an answer of this route carries. */
function headersOf(r: RouteDef, status: number): Record<string, unknown> | undefined {
  // The data plane has its own per-project limits instead of the per-caller request limit.
  const limited = r.rateLimit !== false && !dataPlane(r) ? LIMIT_HEADERS : {};
  const versioned = (status === 200 || status === 201) && r.method !== "DELETE" && r.response && hasVersion(r.response);
  const retry = status === 429 || status === 503 ? { "Retry-After": ref("Retry-After") } : {};
  const headers = { ...(status < 300 || status === 429 ? limited : {}), ...(versioned ? { ETag: ref("ETag") } : {}), ...retry };
  return Object.keys(headers).length > 0 ? headers : undefined;
}

function hasVersion(response: z.ZodType): boolean {
  const json = schemaOf(response, "output") as { properties?: Record<string, unknown> };
  return json.properties?.version !== undefined;
}

/** The operation's other success answer (`alternate`), documented with when it is given and its own body. */
function alternateAnswer(r: RouteDef): Record<string, unknown> {
  if (!r.alternate) return {};
  const headers = headersOf(r, r.alternate.status);
  return { [String(r.alternate.status)]: { description: r.alternate.when, ...(headers ? { headers } : {}), content: { "application/json": { schema: schemaOf(r.alternate.response, "output") } } } };
}

const IF_MATCH = { name: "If-Match", in: "header", required: false, description: "the ETag of the version this change was based on; another version answers 412", schema: { type: "string" } };

const SECURITY: Record<RouteDef["scope"], unknown[]> = {
  none: [],
  user: [{ managementToken: [] }],
  organization: [{ managementToken: [] }],
  project: [{ managementToken: [] }],
  gateway: [{ gatewayCredential: [] }],
};

/**
 * The OpenAPI 3.1 document, generated from the router's own route table and the zod wire schemas:
 * a route exists here exactly when it exists in the router, with the scope and permission the
 * pipeline enforces (`x-tenancy-scope`, `x-tenancy-permission`).
 */
export function openApiDocument(routes: readonly RouteDef[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const headers = headersOf(r, r.status);
    const success = {
      description: r.status === 204 ? "done" : "success",
      ...(headers ? { headers } : {}),
      ...(r.status === 204 ? {} : { content: { [r.contentType?.split(";")[0] ?? "application/json"]: { schema: r.response ? schemaOf(r.response, "output") : {} } } }),
    };
    const failed = [...failures(r)].map(([s, why]) => {
      const h = headersOf(r, s);
      return [String(s), { ...problemAnswer(why), ...(h ? { headers: h } : {}) }];
    });
    const idempotency = r.method === "POST" && r.status === 201 ? [{ name: "Idempotency-Key", in: "header", required: false, description: "replays the first answer (200) for the same key and body", schema: { type: "string" } }] : [];
    (paths[r.path] ??= {})[r.method.toLowerCase()] = {
      operationId: r.operationId,
      summary: r.summary,
      tags: [r.path.split("/")[r.path.startsWith("/v1/") ? 2 : 1].replace(/\.json$/, "")],
      security: SECURITY[r.scope],
      "x-tenancy-scope": r.scope,
      "x-tenancy-permission": r.permission,
      ...(r.activeProject ? { "x-tenancy-active-project": true } : {}),
      parameters: [...pathParameters(r.path), ...queryParameters(r.query), ...idempotency, ...(r.ifMatch ? [IF_MATCH] : [])],
      ...(r.body ? { requestBody: { required: true, content: { [r.method === "PATCH" ? "application/merge-patch+json" : "application/json"]: { schema: schemaOf(r.body, "input") } } } } : {}),
      responses: { [String(r.status)]: success, ...alternateAnswer(r), ...Object.fromEntries(failed) },
    };
  }
  const tags = [...new Set(Object.values(paths).flatMap((ops) => Object.values(ops).flatMap((op) => (op as { tags: string[] }).tags)))].sort();
  return {
    openapi: "3.1.0",
    info: {
      title: "tenancy management API",
      version: "1",
      description: "Organizations, projects, memberships, API keys and usage of an AI API platform. Every error is application/problem+json with a stable `code`.",
      license: { name: "Apache-2.0", identifier: "Apache-2.0" },
    },
    servers: [{ url: "http://127.0.0.1:7410", description: "a local backend (npm run serve); set TENANCY_HOST and TENANCY_PORT for others" }],
    tags: tags.map((name) => ({ name, description: `routes under ${name}` })),
    components: {
      securitySchemes: {
        managementToken: { type: "http", scheme: "bearer", description: "a management token (tmt_…)" },
        ...(routes.some((r) => r.scope === "gateway") ? { gatewayCredential: { type: "http", scheme: "bearer", description: "a gateway credential (tgw_…) of the platform operator: the data plane's only caller" } } : {}),
      },
      schemas: { Problem: schemaOf(problem, "output") },
      headers: HEADERS,
    },
    paths,
  };
}

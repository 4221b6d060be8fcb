import { z } from "zod";
import { problem } from "../../schema/errors";
import type { RouteDef } from "./route";

function schemaOf(s: z.ZodType, io: "input" | "output"): unknown {
  // Refinements and transforms have no JSON Schema form; the shape around them still does.
  const { $schema: _ignored, ...json } = z.toJSONSchema(s, { io, unrepresentable: "any" }) as Record<string, unknown>;
  return json;
}

function queryParameters(query: z.ZodType | undefined) {
  if (!query) return [];
  const json = schemaOf(query, "input") as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, schema]) => ({ name, in: "query", required: json.required?.includes(name) ?? false, schema }));
}

/**
 * The OpenAPI 3.1 document, generated from the router's own route table and the zod wire schemas:
 * a route exists here exactly when it exists in the router.
 */
export function openApiDocument(routes: readonly RouteDef[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const params = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
    const success = r.status === 204 ? { description: "done" } : { description: "success", content: { "application/json": { schema: r.response ? schemaOf(r.response, "output") : {} } } };
    (paths[r.path] ??= {})[r.method.toLowerCase()] = {
      summary: r.summary,
      ...(r.auth ? {} : { security: [] }),
      parameters: [...params, ...queryParameters(r.query), ...(r.method === "POST" && r.auth ? [{ name: "Idempotency-Key", in: "header", required: false, schema: { type: "string" } }] : [])],
      ...(r.body ? { requestBody: { required: true, content: { "application/json": { schema: schemaOf(r.body, "input") } } } } : {}),
      responses: { [String(r.status)]: success, default: { description: "problem", content: { "application/problem+json": { schema: schemaOf(problem, "output") } } } },
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "tenancy management API", version: "1" },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "a management token (tmt_…)" } } },
    security: [{ bearer: [] }],
    paths,
  };
}

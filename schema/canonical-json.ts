const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Key-order-independent JSON, the one copy for server and client: object keys sorted, absent and
 * `undefined` members the same (left out), `undefined` elsewhere `null`. For comparing values and
 * fingerprinting request bodies (idempotency records keep these fingerprints: the output for any
 * JSON value must never change).
 */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (isObject(v)) {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => v[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

import type { FastifyInstance, FastifyRequest } from "fastify";
import { invalidField } from "./validate";

/** No wire object nests deeper than a few levels; 32 leaves room and keeps every walk shallow. */
export const MAX_JSON_DEPTH = 32;

/**
 * The deepest nesting of `{` and `[` in a JSON text, found by one flat scan (no recursion, so a
 * hostile body cannot overflow the stack here). Stops counting as soon as `limit` is passed.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

const bodyError = (message: string) => invalidField("(body)", message);

function isPlainJson(body: string): boolean {
  try {
    JSON.parse(body);
    return true;
  } catch {
    return false;
  }
}

/**
 * JSON bodies: empty is "no body" (many clients send a JSON content type on every request), too
 * deep is a 400 before anything walks the value (the merge patch, canonical JSON and validation
 * all recurse), and a `__proto__`/`constructor.prototype` key is named rather than called invalid.
 */
export function registerJsonParser(app: FastifyInstance): void {
  const json = app.getDefaultJsonParser("error", "error");
  const parse = (req: FastifyRequest, body: string, done: (err: Error | null, value?: unknown) => void) => {
    if (body === "") return done(null, undefined);
    if (jsonDepthExceeds(body, MAX_JSON_DEPTH)) return done(bodyError(`must not nest objects and arrays deeper than ${MAX_JSON_DEPTH} levels`));
    json(req, body, (err, value) => done(err && isPlainJson(body) ? bodyError('must not contain a "__proto__" or "constructor.prototype" key') : err, value));
  };
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser(["application/json", "application/merge-patch+json"], { parseAs: "string" }, parse);
}

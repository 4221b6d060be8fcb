import type { z } from "zod";

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Every request reads its organization; the same few JSON texts come back again and again. Parsed
 * values are cached by their text (bounded, oldest dropped first) and frozen, so no holder can
 * change another's copy.
 */
export function cachedParser<S extends z.ZodType>(schema: S, size = 2000): (text: string) => z.output<S> {
  const cache = new Map<string, z.output<S>>();
  return (text) => {
    let parsed = cache.get(text);
    if (parsed === undefined) {
      parsed = deepFreeze(schema.parse(JSON.parse(text)));
      if (cache.size >= size) cache.delete(cache.keys().next().value!);
      cache.set(text, parsed);
    }
    return parsed;
  };
}


import assert from "node:assert/strict";
import { jsonDepthExceeds, MAX_JSON_DEPTH } from "../../backend/http/json-body";

/**
 * The flat scan that refuses a too-deep JSON body before anything recursive walks it: nesting is
 * counted exactly (the limit itself is allowed), closing brackets count down (width is not depth),
 * and brackets inside strings, escaped quotes included, are text.
 */
describe("the JSON depth scan", () => {
  const nested = (levels: number, open = "[", close = "]") => `${open.repeat(levels)}${close.repeat(levels)}`;
  const objects = (levels: number) => `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;

  it("allows exactly the limit and refuses one level more, for arrays and objects", () => {
    assert.equal(jsonDepthExceeds(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH), false);
    assert.equal(jsonDepthExceeds(nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH), true);
    assert.equal(jsonDepthExceeds(objects(MAX_JSON_DEPTH), MAX_JSON_DEPTH), false);
    assert.equal(jsonDepthExceeds(objects(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH), true);
  });

  it("counts closing brackets down: a wide body of many shallow objects and arrays is not deep", () => {
    const wide = JSON.stringify({ events: Array.from({ length: 1000 }, (_, i) => ({ id: i, tags: [[i]], meta: { a: { b: 1 } } })) });
    assert.equal(jsonDepthExceeds(wide, 5), false);
    assert.equal(jsonDepthExceeds(`[${nested(3)},${nested(3)},${nested(3)}]`, 4), false);
    assert.equal(jsonDepthExceeds(`[${nested(3)},${nested(4)}]`, 4), true);
  });

  it("reads brackets in strings as text, past an escaped quote and after an escaped backslash", () => {
    const deepText = "[".repeat(MAX_JSON_DEPTH * 2);
    assert.equal(jsonDepthExceeds(JSON.stringify({ a: `say \"${deepText}` }), MAX_JSON_DEPTH), false);
    assert.equal(jsonDepthExceeds(JSON.stringify({ a: `${deepText}\\`, b: "}}}" }), 3), false);
    // An escaped backslash ends with the string's quote: what follows is nesting again.
    assert.equal(jsonDepthExceeds(`{"a":"\\\\","b":${nested(5)}}`, 5), true);
  });
});

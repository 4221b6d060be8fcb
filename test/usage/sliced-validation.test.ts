import assert from "node:assert/strict";
import fc from "fast-check";
import { z } from "zod";
import { TenancyError } from "../../schema/errors";
import { usageInput } from "../../schema/usage";
import { parseInput, slicedParser } from "../../backend/http/validate";

/**
 * A usage batch is validated in slices (`sliced: "events"` on POST /v1/usage), so that 1,000
 * events are not one stretch of the event loop. Slicing must change nothing a gateway sees: for
 * any body, the same value or the same 400, errors in the same order, as validating it whole.
 */

/** What a parse answers: the value, or the 400's message and field errors. */
async function outcome(parse: () => unknown): Promise<unknown> {
  try {
    return { value: await parse() };
  } catch (err) {
    if (!(err instanceof TenancyError)) throw err;
    return { code: err.code, message: err.message, errors: err.extras.errors };
  }
}

const valid = { eventId: "evt-1", model: "gpt-4o", inputTokens: 10, outputTokens: 5, apiKeyId: "key_1a2514e348800000b0nw7fgmA0" };
/** One event: valid, or wrong in one of the ways a gateway gets an event wrong. */
const event = fc.oneof(
  fc.constant<unknown>(valid),
  fc.constant<unknown>({ ...valid, inputTokens: -1 }),
  fc.constant<unknown>({ ...valid, outputTokens: "5" }),
  fc.constant<unknown>({ ...valid, model: "" }),
  fc.constant<unknown>({ ...valid, extra: true }),
  fc.constant<unknown>({ ...valid, reservationId: "res-1" }),
  fc.constant<unknown>({ eventId: "evt-2", model: "gpt-4o", inputTokens: 1, outputTokens: 1 }),
  fc.constant<unknown>({ ...valid, at: "yesterday" }),
  fc.constant<unknown>(null),
  fc.constant<unknown>("event"),
  fc.record({ eventId: fc.string(), model: fc.string(), inputTokens: fc.integer(), outputTokens: fc.integer(), apiKeyId: fc.string() }),
);
const body = fc.oneof(
  { weight: 6, arbitrary: fc.record({ events: fc.array(event, { maxLength: 250 }) }) },
  { weight: 2, arbitrary: fc.record({ events: fc.array(event, { maxLength: 250 }), more: fc.anything() }) },
  { weight: 1, arbitrary: fc.record({ events: fc.anything() }) },
  { weight: 1, arbitrary: fc.anything() },
);

describe("a usage batch validated in slices", () => {
  const sliced = slicedParser(usageInput, "events", 7);

  it("answers every body as validating it whole does: the same value, or the same 400 with its errors in the same order", async () => {
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        assert.deepEqual(await outcome(() => sliced(b)), await outcome(() => parseInput(usageInput, b)));
      }),
      { numRuns: 400 },
    );
  });

  it("does so at the list's bounds: none, the most, one more than the most, each with a bad event", async () => {
    for (const n of [0, 1, 1000, 1001]) {
      for (const events of [Array(n).fill(valid), Array.from({ length: n }, (_, i) => (i === n - 1 ? { ...valid, inputTokens: -1 } : valid))]) {
        const b = { events };
        assert.deepEqual(await outcome(() => sliced(b)), await outcome(() => parseInput(usageInput, b)), `${n} events`);
      }
    }
  });

  it("turns the event loop between slices, so other requests are served inside one batch's validation", async () => {
    let turns = 0;
    const ticking = setInterval(() => turns++, 0);
    try {
      await slicedParser(usageInput, "events", 100)({ events: Array(1000).fill(valid) });
    } finally {
      clearInterval(ticking);
    }
    // 10 slices: 9 turns between them, during which the timer can run.
    assert.ok(turns >= 1, `the timer ran ${turns} times`);
  });

  it("refuses to slice a field that is not a list of the body's schema, naming it", () => {
    assert.throws(() => slicedParser(usageInput, "event", 10), /sliced by "event" needs an object schema whose "event" is a list/);
    assert.throws(() => slicedParser(z.object({ events: z.string() }), "events", 10), /"events" is a list/);
  });
});

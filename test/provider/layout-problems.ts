import assert from "node:assert/strict";
import { LayoutError, parseLayout } from "../../provider/layout";

/** The lines of the `LayoutError` a document fails with; fails the test if the layout is accepted. */
export function problems(text: string): string[] {
  try {
    parseLayout(text);
  } catch (err) {
    assert.ok(err instanceof LayoutError, String(err));
    return err.message.split("\n");
  }
  throw new Error("the layout was accepted");
}

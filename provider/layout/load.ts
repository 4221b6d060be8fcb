import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { Document, isMap, isNode, isScalar, LineCounter, parseDocument } from "yaml";
import { fieldIssues } from "../../schema/issues";
import { Layout, layoutSchema } from "./schema";

/** An invalid `tenancy.yaml`: every problem, each with its line, column and field. */
export class LayoutError extends Error {
  constructor(readonly problems: LayoutProblem[]) {
    super(problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.field ? `${p.field}: ` : ""}${p.message}`).join("\n"));
    this.name = "LayoutError";
  }
}

export interface LayoutProblem {
  file: string;
  line: number;
  column: number;
  /** The field as written in the file: `projects[1].environment`; empty for a syntax error. */
  field: string;
  message: string;
}

/** Reads and validates a `tenancy.yaml` file. */
export function loadLayoutFile(path: string): Layout {
  return parseLayout(readFileSync(path, "utf8"), basename(path));
}

/** Parses and validates a `tenancy.yaml` document; throws `LayoutError` naming line and field. */
export function parseLayout(text: string, file = "tenancy.yaml"): Layout {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => lines.linePos(offset);
  if (doc.errors.length > 0) {
    throw new LayoutError(
      doc.errors.map((e) => {
        const { line, col } = at(e.pos[0]);
        return { file, line, column: col, field: "", message: e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "") };
      }),
    );
  }
  const result = layoutSchema.safeParse(doc.toJS() ?? {});
  if (result.success) return result.data;
  const problems = fieldIssues(result.error.issues).map(({ path, message }) => {
    const { line, col } = at(offsetOf(doc as Document, path));
    return { file, line, column: col, field: fieldName(path), message };
  });
  throw new LayoutError(problems.sort((a, b) => a.line - b.line || a.column - b.column));
}

/** Where `path` is written: its key; for a missing field, the start of the entry that lacks it. */
function offsetOf(doc: Document, path: (string | number)[]): number {
  const parent = doc.getIn(path.slice(0, -1), true);
  if (isMap(parent)) {
    const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(path[path.length - 1]));
    if (pair && isNode(pair.key) && pair.key.range) return pair.key.range[0];
  }
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return 0;
}

function fieldName(path: (string | number)[]): string {
  return path.reduce<string>((s, p) => (typeof p === "number" ? `${s}[${p}]` : s ? `${s}.${p}` : p), "");
}

import { basename } from "node:path";
import { Document, isAlias, isMap, isNode, isScalar, LineCounter, parseDocument, visit } from "yaml";
import { dottedPath, fieldIssues } from "../../schema/issues";
import { readLayoutText } from "./read";
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

/** Reads (a regular file only, see `readLayoutText`) and validates a `tenancy.yaml` file. */
export function loadLayoutFile(path: string): Layout {
  return parseLayout(readLayoutText(path), basename(path));
}

/**
 * Parses and validates a `tenancy.yaml` document; throws `LayoutError` naming line and field.
 * Always YAML 1.2 with the core schema: a `%YAML 1.1` directive would otherwise turn on merge
 * keys (`<<: *admin` giving a member a role the entry does not show) and 1.1's scalars (`60:00`
 * as 3600, `n` as false), so a file meaning anything but 1.2 is refused, naming its line.
 */
export function parseLayout(text: string, file = "tenancy.yaml"): Layout {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, version: "1.2", schema: "core", merge: false });
  const at = (offset: number) => lines.linePos(offset);
  const problem = (offset: number, message: string, field = ""): LayoutProblem => {
    const { line, col } = at(offset);
    return { file, line, column: col, field, message };
  };
  const version = doc.directives?.yaml;
  if (version?.explicit && version.version !== "1.2") {
    const offset = /^%YAML[ \t]/m.exec(text)?.index ?? 0;
    throw new LayoutError([problem(offset, `%YAML ${version.version}: a tenancy layout is YAML 1.2; remove the directive (1.1 reads merge keys and sexagesimal numbers that 1.2 does not)`)]);
  }
  // Warnings are unresolved tags (`!foo`, `!!js/function`): a layout uses none, so none passes silently.
  const syntax = [...doc.errors, ...doc.warnings];
  if (syntax.length > 0) {
    throw new LayoutError(syntax.map((e) => problem(e.pos[0], e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, ""))));
  }
  const result = layoutSchema.safeParse(plain(doc as Document, problem) ?? {});
  if (result.success) return result.data;
  const problems = fieldIssues(result.error.issues).map(({ path, message }) => problem(offsetOf(doc as Document, path), message, dottedPath(path)));
  throw new LayoutError(problems.sort((a, b) => a.line - b.line || a.column - b.column));
}

/** The document as plain values; an alias bomb stops here (yaml's own alias budget), at its first alias. */
function plain(doc: Document, problem: (offset: number, message: string) => LayoutProblem): unknown {
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    let offset = 0;
    visit(doc, (_, node) => {
      if (isAlias(node) && node.range) {
        offset = node.range[0];
        return visit.BREAK;
      }
    });
    throw new LayoutError([problem(offset, (err as Error).message.charAt(0).toLowerCase() + (err as Error).message.slice(1))]);
  }
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

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/**
 * GitHub's own Markdown renderer, `cmark-gfm` (Debian's package), with GitHub's extensions and
 * raw HTML let through (`--unsafe`), so that any HTML a text smuggles in shows up in the output
 * instead of being filtered away: what the tests check is that none gets there at all.
 */

export const CMARK_GFM = "/usr/bin/cmark-gfm";
export const HAS_CMARK_GFM = existsSync(CMARK_GFM);

export function renderGfm(markdown: string): string {
  const r = spawnSync(CMARK_GFM, ["--unsafe", "-e", "table", "-e", "autolink", "-e", "strikethrough", "-e", "tasklist", "-e", "tagfilter"], { input: markdown, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cmark-gfm failed: ${r.stderr}`);
  return r.stdout;
}

/** The tags a report's own markup produces; any other tag came from a text. */
const OWN_TAGS = /<\/?(h2|h3|p|strong|em|code|table|thead|tbody|tr|th|td|br)( align="[a-z]+")?\s*\/?>/g;

/** What is wrong with the rendered HTML: foreign tags, comments, links, mentions, issue references. */
export function problemsOf(html: string): string[] {
  const problems: string[] = [];
  const rest = html.replace(OWN_TAGS, "");
  for (const m of rest.match(/<[^>]*>?/g) ?? []) problems.push(`raw HTML or comment: ${m}`);
  // GitHub links these in the rendered text itself (where the word joiners still are).
  const text = decodeEntities(html.replace(/<[^>]*>/g, " "));
  for (const m of text.match(/(^|[^\w`])@[A-Za-z0-9][\w-]*/g) ?? []) problems.push(`mention: ${m.trim()}`);
  for (const m of text.match(/(^|[^\w&])#\d+/g) ?? []) problems.push(`issue reference: ${m.trim()}`);
  return problems;
}

/** The rows of the table under the heading `### title`, as the text of each cell. */
export function tableRows(html: string, title: string): string[][] {
  const at = html.indexOf(`<h3>${title}</h3>`);
  if (at < 0) return [];
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html.slice(at, html.indexOf("</table>", at)))?.[1] ?? "";
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) => [...row[1].matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => decode(c[1].replace(/<[^>]*>/g, ""))));
}

/** HTML text as a person reads it (the word joiners the escaping adds are invisible). */
export function decode(html: string): string {
  return decodeEntities(html).replace(/\u2060/g, "");
}

function decodeEntities(html: string): string {
  return html
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#(\d+);/g, (_m, n) => String.fromCodePoint(Number(n)))
    .replace(/&amp;/g, "&");
}

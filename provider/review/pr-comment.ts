import { GitHub } from "./github";
import { Redactor } from "./redact";

/**
 * The pull request's one review comment per stack: found again by a hidden marker and updated in
 * place, so every push rewrites it instead of adding another. It holds the commit, the review
 * (summary, access tables, findings), the full plan folded in `<details>` and the run's link.
 */

export interface CommentInput {
  /** Names the comment among the pull request's others (the stack): `<!-- tenancy-review:KEY -->`. */
  key: string;
  review: string;
  /** The engine's plan as text (`pulumi preview --diff`), shown verbatim in a code block. */
  plan?: string;
  commit?: string;
  runUrl?: string;
}

export const markerOf = (key: string, kind = "review") => `<!-- tenancy-${kind}:${key.replace(/[^A-Za-z0-9_./-]/g, "_")} -->`;

export function commentBody(input: CommentInput, redact: Redactor): string {
  const out = [markerOf(input.key), redact(input.review.trimEnd()), ""];
  if (input.plan !== undefined) {
    // The plan is the program's text: a fence longer than any backtick run in it cannot be closed by it.
    const plan = redact(input.plan.trimEnd());
    const fence = "`".repeat(Math.max(3, ...[...plan.matchAll(/`+/g)].map((m) => m[0].length + 1)));
    out.push("<details><summary>Full plan</summary>", "", fence + "text", plan, fence, "", "</details>", "");
  }
  const footer = [input.commit && `Commit \`${input.commit.replace(/[^0-9a-f]/gi, "")}\``, input.runUrl && `[run](${encodeURI(input.runUrl)})`].filter(Boolean);
  if (footer.length) out.push(footer.join(" · "), "");
  return out.join("\n");
}

interface Comment {
  id: number;
  body?: string;
}

/** Updates the pull request's comment that starts with the marker, or posts it; says which. */
export async function upsertComment(gh: GitHub, pr: number, body: string): Promise<{ action: "updated" | "created"; id: number }> {
  const marker = body.slice(0, body.indexOf("\n"));
  const what = `pull request ${pr}'s comments`;
  const mine = (await gh.list<Comment>(`/issues/${pr}/comments`, what)).find((c) => c.body?.startsWith(marker));
  if (mine) {
    const updated = await gh.send<Comment>("PATCH", `/issues/comments/${mine.id}`, `comment ${mine.id}`, { body });
    return { action: "updated", id: updated.id };
  }
  const created = await gh.send<Comment>("POST", `/issues/${pr}/comments`, what, { body });
  return { action: "created", id: created.id };
}

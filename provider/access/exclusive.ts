import type { Scope } from "../client";
import { Implementation, lazyClient } from "../resource";
import { retire, warnKept } from "./retire";
import { stackOf } from "./stack";
import { Access, undeclaredAccess } from "./undeclared";

/**
 * `exclusiveAccess: true` on an Organization or a Project: the stack declares *all* the access
 * to it (as Terraform's authoritative IAM resources do). Undeclared access is drift:
 * - `read` (refresh) records it as the input `undeclaredAccess`, which the program never sets, so
 *   `pulumi preview --refresh` shows each grant as a removal and the review can name each person;
 * - `diff` then reports a change, and `update` takes away exactly what the refresh recorded and is
 *   still undeclared (retire.ts): nothing that appeared since, unseen by the preview.
 * Off (the default), none of this runs.
 */

/** The state field holding undeclared access, set only by `read`. */
export const UNDECLARED = "undeclaredAccess";

interface Exclusive {
  deployedBy?: string;
  exclusiveAccess?: boolean;
  externalId?: string;
  [UNDECLARED]?: Access[];
}

/** Wraps an Organization's or a Project's implementation; `scopeOf` names its scope. */
export function withExclusiveAccess<I extends Exclusive, O extends Exclusive>(implementation: Implementation<I, O>, scopeOf: (id: string, props: O) => Scope): Implementation<I, O> {
  return (settings) => {
    const provider = implementation(settings);
    const client = lazyClient(settings);
    const find = (id: string, props: O) => undeclaredAccess(client(), scopeOf(id, props), stackOf(props.externalId!), [props.deployedBy]);
    return {
      ...provider,
      read: async (id, props) => {
        const result = await provider.read!(id, props);
        if (!result.id || !result.props?.exclusiveAccess) return result;
        const { removable } = await find(result.id, result.props);
        if (removable.length === 0) return result;
        return { ...result, props: { ...result.props, [UNDECLARED]: removable }, inputs: { ...(result.inputs ?? result.props), [UNDECLARED]: removable } as O };
      },
      diff: async (id, olds, news) => {
        const d = await provider.diff!(id, olds, news);
        if (!news.exclusiveAccess || !olds[UNDECLARED]?.length) return d;
        return { ...d, changes: true };
      },
      update: async (id, olds, news) => {
        const result = await provider.update!(id, olds, news);
        const seen = olds[UNDECLARED] ?? [];
        if (!news.exclusiveAccess || seen.length === 0) return result;
        const now = await find(id, olds);
        const still = new Set(now.removable.map(key));
        await retire(client(), seen.filter((a) => still.has(key(a))));
        warnKept(now.kept);
        return result;
      },
    };
  };
}

const key = (a: Access) => `${a.kind}:${a.projectId ?? a.organizationId}:${a.id}`;

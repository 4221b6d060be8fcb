/**
 * Which objects a stack declares. Every create sends the resource's URN as `externalId` (a
 * membership, key or service account adds `#…` after it), and a URN starts with the stack and the
 * Pulumi project: `urn:pulumi:<stack>::<project>::<type>::<name>`. So an object declared by this
 * stack carries an `externalId` under this stack's prefix; one made by hand has none, and one made
 * by another stack has that stack's. Where the stack's state is at hand (`tenancy drift`), the URN
 * must also be one the state holds: that catches an object whose `externalId` was set by hand to
 * look like this stack's, and one a create the engine lost track of left behind.
 */

export interface StackIdentity {
  /** `urn:pulumi:<stack>::<project>::`, taken from a URN of the stack. */
  prefix: string;
  /** The URNs the stack's state holds, when known. */
  urns?: ReadonlySet<string>;
}

/** The identity of the stack that `urn` belongs to. */
export function stackOf(urn: string, urns?: ReadonlySet<string>): StackIdentity {
  const m = /^urn:pulumi:[^:]+::[^:]+::/.exec(urn);
  if (!m) throw new Error(`'${urn}' is not a Pulumi URN (urn:pulumi:<stack>::<project>::…)`);
  return { prefix: m[0], urns };
}

/** Whether an object with this `externalId` is one the stack declares. */
export function declares(stack: StackIdentity, externalId: string | undefined): boolean {
  if (!externalId?.startsWith(stack.prefix)) return false;
  const urns = stack.urns;
  if (!urns) return true;
  // The URN is the `externalId` up to one of its `#`s (a logical name may hold one too).
  return urns.has(externalId) || [...externalId.matchAll(/#/g)].some((m) => urns.has(externalId.slice(0, m.index)));
}

import { identify, ResourceInput } from "../guardrails";

/**
 * The ids of the stack's own organizations and projects, as the references to them show. The
 * engine hands a pack outputs, which never hold a resource's id; without them every reference of
 * an existing stack looked like one to another object (`reference-mismatch`, and members matched
 * to no project). An `organizationId` or `projectId` whose value is known and that the program
 * derived from exactly one resource of that kind names that resource's id. References that
 * disagree about one resource give it none, so the rules still report them.
 */

const REFERENCES = [["organizationId", "Organization"], ["projectId", "Project"]] as const;

export function withIds(resources: readonly ResourceInput[]): ResourceInput[] {
  const kinds = new Map(resources.map((r) => [r.urn, identify(r).kind]));
  const named = new Map<string, Set<string>>();
  for (const r of resources) {
    for (const [field, kind] of REFERENCES) {
      const value = r.props[field];
      const deps = (r.propertyDependencies?.[field] ?? []).filter((u) => kinds.get(u) === kind);
      if (typeof value !== "string" || !/^(org|proj)_[A-Za-z0-9]+$/.test(value) || deps.length !== 1) continue;
      if (!named.has(deps[0])) named.set(deps[0], new Set());
      named.get(deps[0])!.add(value);
    }
  }
  return resources.map((r) => {
    const ids = named.get(r.urn);
    return r.id === undefined && ids?.size === 1 ? { ...r, id: [...ids][0] } : r;
  });
}

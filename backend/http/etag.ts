import { TenancyError } from "../../schema/errors";

export function etagOf(version: number): string {
  return `"${version}"`;
}

/**
 * `If-Match` against the stored version: absent or `*` passes; otherwise one of the listed
 * entity tags (weak or strong) must be the current version, else 412.
 */
export function checkIfMatch(ifMatch: string | undefined, version: number): void {
  if (ifMatch === undefined || ifMatch.trim() === "*") return;
  const tags = ifMatch.split(",").map((t) => t.trim().replace(/^W\//, ""));
  if (tags.includes(etagOf(version))) return;
  throw new TenancyError("version_mismatch", `if-match ${ifMatch} does not match the current version ${etagOf(version)}; read the object again and retry`);
}

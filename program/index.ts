import * as pulumi from "@pulumi/pulumi";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { deployLayout, LayoutError, LayoutFileError, loadLayoutFile } from "../provider/layout";

/**
 * The root program (`Pulumi.yaml` at the repository root): deploys `tenancy.yaml`, or the file
 * named by the stack config `tenancy:layout`, and exports the layout as a table.
 */
function load() {
  const file = resolve(projectRoot(), new pulumi.Config("tenancy").get("layout") ?? "tenancy.yaml");
  try {
    return loadLayoutFile(file);
  } catch (err) {
    // A RunError prints its message alone: the lines of the file to fix, without a stack trace.
    if (err instanceof LayoutError) throw new pulumi.RunError(`${file} is not a valid tenancy layout:\n${err.message}`);
    if (err instanceof LayoutFileError) throw new pulumi.RunError(err.message);
    throw err;
  }
}

/** The folder of Pulumi.yaml: the language host runs the program from the folder of its `main`. */
function projectRoot(): string {
  for (let dir = process.cwd(); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, "Pulumi.yaml"))) return dir;
  }
  return process.cwd();
}

const deployed = deployLayout(load());

/** project, environment, owner, key owner, limits and keys (by redacted value) of every project. */
export const layout = deployed.table;
/** The key secrets by `PROJECT/KEY`: `pulumi stack output apiKeys --show-secrets`. */
export const apiKeys = deployed.secrets;

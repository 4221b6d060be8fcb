import { ID_PREFIX } from "../../schema/common";
import { PATH_PARAMS, PathParam } from "../../schema/path-params";

// Declared with the operations in schema/, which name them in their paths.
export { isPathParam, paramNames, ParamsOf, PATH_PARAMS, PathParam } from "../../schema/path-params";

/** The id prefix a parameter's values carry (`org` for `orgId`). */
export const prefixOf = (name: PathParam): string => ID_PREFIX[PATH_PARAMS[name].kind];

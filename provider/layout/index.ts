/** The `tenancy.yaml` layout: its schema, its loader (errors with line and field) and its deployment. */
export { layoutSchema, Layout, LayoutProject } from "./schema";
export { loadLayoutFile, parseLayout, LayoutError, LayoutProblem } from "./load";
export { readLayoutText, LayoutFileError, LAYOUT_MAX_BYTES } from "./read";
export { deployLayout, DeployedLayout, formatTable } from "./deploy";

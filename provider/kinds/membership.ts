import { dispatchingProvider } from "./dispatching";

// The membership provider is this module's exports: state stores `require("pulumi-tenancy/dist/provider/kinds/membership.js")`
// for it (see ../stub.ts), so this path and its exports are public API.
export = dispatchingProvider("membership");

import { dispatchingProvider } from "./dispatching";

// The serviceAccount provider is this module's exports: state stores `require("pulumi-tenancy/dist/provider/kinds/service-account.js")`
// for it (see ../stub.ts), so this path and its exports are public API.
export = dispatchingProvider("serviceAccount");

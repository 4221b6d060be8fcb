export { withExclusiveAccess, UNDECLARED } from "./exclusive";
export { retire } from "./retire";
export { declares, stackOf, StackIdentity } from "./stack";
export { Access, AccessKind, describeAccess, Kept, undeclaredAccess, UndeclaredAccess } from "./undeclared";
export { DriftReport, driftReport, ScopeDrift, StateResource } from "./drift";

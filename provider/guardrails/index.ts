export { buildModel, indexModel, kindOf, ResourceInput, TenancyModel, UnreviewedResource } from "./model";
export { COMPONENT_TYPES, identify, Kind, KINDS } from "./identity";
export { fold, sameEmail } from "./fold";
export { DEFAULT_OPTIONS, evaluate, LAYOUT_RULES, LayoutRuleName, PARTIAL_RULES, sortFindings, Finding, GuardrailOptions, RuleName, RULES, Severity } from "./rules";

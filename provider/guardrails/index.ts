export { buildModel, indexModel, kindOf, ResourceInput, TenancyModel } from "./model";
export { DEFAULT_OPTIONS, evaluate, Finding, GuardrailOptions, RuleName, RULES, Severity } from "./rules";

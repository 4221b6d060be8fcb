export * from "./common";
export * from "./errors";
export * from "./organization";
export * from "./project";
export * from "./membership";
export * from "./api-key";
export * from "./token";
export * from "./audit";

/**
 * The public surface of `src/api`: resource schemas and types, ids, conditions, parsing.
 * Import from here, or from the individual files for a smaller graph.
 */
export * from './names.ts';
export * from './ids.ts';
export * from './conditions.ts';
export * from './replica-status.ts';
export * from './fields.ts';
export * from './mcp-gateway.ts';
export * from './virtual-server.ts';
export * from './problems.ts';
export { parseResource, isOwnKind, SCHEMAS, type ParseResult, type Resource } from './resources.ts';

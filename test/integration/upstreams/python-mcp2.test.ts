/** The conformance suite against a server on the Python `mcp` package 2.x (`MCPServer`), in each serving mode. */
import { conformanceSuite } from './conformance.ts';
import { foreignCases } from './foreign-cases.ts';

conformanceSuite('Python mcp 2.x', foreignCases('python-mcp2', ['sse', 'json', 'stateless', 'resumable']));

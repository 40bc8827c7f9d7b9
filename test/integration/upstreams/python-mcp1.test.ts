/** The conformance suite against a server on the Python `mcp` package 1.x (`FastMCP`), in each serving mode. */
import { conformanceSuite } from './conformance.ts';
import { foreignCases } from './foreign-cases.ts';

conformanceSuite('Python mcp 1.x', foreignCases('python-mcp1', ['sse', 'json', 'stateless', 'resumable']));

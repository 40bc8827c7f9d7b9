/** The conformance suite against a server on the Go SDK (github.com/modelcontextprotocol/go-sdk), in each serving mode. */
import { conformanceSuite } from './conformance.ts';
import { foreignCases } from './foreign-cases.ts';

conformanceSuite('Go SDK', foreignCases('go-sdk', ['sse', 'json', 'stateless']));

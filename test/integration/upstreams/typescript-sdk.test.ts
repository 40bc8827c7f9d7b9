/** The conformance suite against our edge server on the TypeScript SDK (test/support/upstreams/edge-server.ts), SSE and JSON answers. */
import { startEdgeServer } from '../../support/upstreams/edge-server.ts';
import { conformanceSuite, type ConformanceCase } from './conformance.ts';

const cases: ConformanceCase[] = (['sse', 'json'] as const).map((mode) => ({
  label: `typescript-sdk ${mode}`,
  slug: `typescript-sdk-${mode}`,
  notifiesDuringCall: { direct: mode === 'sse', proxy: mode === 'sse' },
  observesCancellation: true,
  catalog: true,
  subscribes: true,
  async start() {
    const edge = await startEdgeServer({ enableJsonResponse: mode === 'json', catalog: true });
    return { url: edge.url, cancelled: async () => edge.cancelled, close: () => edge.close() };
  },
}));

conformanceSuite('TypeScript SDK', cases);

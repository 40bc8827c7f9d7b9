/** Conformance cases for the Python and Go upstreams (test/support/upstreams/foreign.ts), one per serving mode. */
import { startForeignUpstream, type ForeignMode, type ForeignSdk } from '../../support/upstreams/foreign.ts';
import { cancelledTool, type ConformanceCase } from './conformance.ts';

export function foreignCases(sdk: ForeignSdk, modes: ForeignMode[]): ConformanceCase[] {
  return modes.map((mode) => ({
    label: `${sdk} ${mode}`,
    slug: `${sdk}-${mode}`,
    notifiesDuringCall: mode !== 'json' ? { direct: true, proxy: true } : { direct: sdk === 'go-sdk', proxy: false },
    observesCancellation: mode !== 'stateless',
    resumable: mode === 'resumable',
    catalog: true,
    // The Go SDK offers subscriptions (not in stateless mode: no session to notify); Python's FastMCP/MCPServer do not.
    subscribes: sdk === 'go-sdk' && mode !== 'stateless',
    async start() {
      const up = await startForeignUpstream(sdk, mode);
      return { url: up.url, cancelled: () => cancelledTool(up.url), close: () => up.kill() };
    },
  }));
}

import type { ProxyHandle, ProxyOptions } from './start.ts';

/** Placeholder until the runtime lands; see start.ts for the contract. */
export async function startProxy(_options: ProxyOptions): Promise<ProxyHandle> {
  throw new Error('startProxy: not implemented yet');
}

import { describe, expect, it } from 'vitest';
import { OperatorOptions } from '../../../src/operator/options.ts';
import { connectUrl, endpointsOf } from '../../../src/operator/replicas.ts';
import { parseBindAddress } from '../../../src/operator/serve.ts';

describe('OperatorOptions', () => {
  it('applies kubebuilder-style defaults', () => {
    const o = OperatorOptions.parse({ proxyService: 'mcp-gitops-system/mcp-gitops-proxy' });
    expect(o).toMatchObject({ concurrent: 4, leaderElect: false, metricsBindAddress: ':8080', healthProbeBindAddress: ':8081', resyncPeriod: 300, proxyPollInterval: 5, finalizerTimeout: 30, proxyAdminPortName: 'admin' });
  });

  it('names the flag that is wrong', () => {
    const r = OperatorOptions.safeParse({ proxyUrl: ['ftp://x'], concurrent: '0', metricsBindAddress: 'nope' });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['proxyUrl.0', 'concurrent', 'metricsBindAddress']));
  });

  it('needs exactly one source of proxy replicas', () => {
    expect(OperatorOptions.safeParse({}).error?.issues[0]).toMatchObject({ path: ['proxyService'], message: expect.stringContaining('--proxy-url') });
    expect(OperatorOptions.safeParse({ proxyService: 'a/b', proxyUrl: ['http://x:4445'] }).error?.issues[0]?.path).toEqual(['proxyUrl']);
  });

  it('coerces string flags', () => {
    expect(OperatorOptions.parse({ proxyUrl: ['http://10.0.0.1:4445'], concurrent: '16', resyncPeriod: '60' })).toMatchObject({ concurrent: 16, resyncPeriod: 60 });
  });
});

describe('proxy replicas from EndpointSlices', () => {
  it('takes every endpoint, ready or not (and says which), except terminating ones, with the admin port of its slice', () => {
    const slices = [
      { metadata: { name: 'a', namespace: 'n' }, addressType: 'IPv4' as const, ports: [{ name: 'http', port: 4444 }, { name: 'admin', port: 4445 }], endpoints: [{ addresses: ['10.0.0.2'], conditions: { ready: false } }, { addresses: ['10.0.0.1'], conditions: { ready: true } }, { addresses: ['10.0.0.9'], conditions: { terminating: true } }] },
      { metadata: { name: 'b', namespace: 'n' }, addressType: 'IPv6' as const, ports: [{ name: 'admin', port: 9000 }], endpoints: [{ addresses: ['fd00::1'] }] },
    ];
    expect(endpointsOf(slices)).toEqual([
      { endpoint: 'http://10.0.0.1:4445', ready: true },
      { endpoint: 'http://10.0.0.2:4445', ready: false },
      { endpoint: 'http://[fd00::1]:9000', ready: true },
    ]);
  });

  it('connects to names under .localhost on loopback (RFC 6761)', () => {
    expect(connectUrl('http://proxy-1.localhost:4445')).toBe('http://127.0.0.1:4445');
    expect(connectUrl('http://10.0.0.1:4445')).toBe('http://10.0.0.1:4445');
  });
});

describe('parseBindAddress', () => {
  it('reads host:port, :port and 0', () => {
    expect(parseBindAddress(':8080')).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(parseBindAddress('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseBindAddress('0')).toBeUndefined();
  });
});

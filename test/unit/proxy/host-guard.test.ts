/** The default allowed hosts follow the listen address and the public URL (mcp/host-guard.ts). */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { defaultAllowedHosts, hostGuard } from '../../../src/proxy/mcp/host-guard.ts';

const allowed = (patterns: string[], host: string) => {
  try {
    hostGuard(patterns)({ headers: { host } } as IncomingMessage);
    return true;
  } catch {
    return false;
  }
};

describe('default allowed hosts', () => {
  it('a loopback listener allows loopback names and the public URL host only', () => {
    const d = defaultAllowedHosts('127.0.0.1', 'https://mcp.example.com');
    expect(['localhost:4444', '127.0.0.1:4444', '[::1]:4444', 'mcp.example.com'].filter((h) => allowed(d, h))).toHaveLength(4);
    expect(['10.0.0.7:4444', 'proxy', 'proxy.ns.svc', 'evil.example'].filter((h) => allowed(d, h))).toEqual([]);
  });

  it('a network listener (0.0.0.0) also allows IP literals and in-cluster names, never another DNS name', () => {
    const d = defaultAllowedHosts('0.0.0.0', 'https://mcp.example.com');
    expect(['10.0.0.7:4444', '[fd00::1]:4444', 'mcp-gitops-proxy:4444', 'mcp-gitops-proxy.mcp-gitops-system.svc', 'mcp-gitops-proxy.mcp-gitops-system.svc.cluster.local:4444', 'mcp.example.com'].filter((h) => !allowed(d, h))).toEqual([]);
    expect(['evil.example', 'svc.evil.example', 'mcp.example.com.evil.example', 'x.svc.evil.example'].filter((h) => allowed(d, h))).toEqual([]);
  });

  it('"*" turns the check off', () => {
    expect(allowed(['*'], 'anything.example')).toBe(true);
  });
});

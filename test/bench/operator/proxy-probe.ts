/**
 * What the benchmark observes of a process from outside (/proc, no cooperation needed: the proxy,
 * the upstream children) and how long the proxy takes to answer `GET /v1/state`, the request the
 * operator polls every few seconds and whose timeout opens the replica's circuit.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { ProxyChild } from '../scale/proxy-child.ts';

/** Resident set size in bytes (0 once the process is gone). */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU time used so far (user + system), ms. Linux clock ticks are 1/100 s. */
export function cpuMsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime (fields 14 and 15 of stat)
  } catch {
    return 0;
  }
}

/** Open file descriptors (sockets, mostly); 0 once the process is gone. */
export function fdsOf(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** One `GET /v1/state`: how long it took (ms) and how many entries it held; `NaN` ms when it failed. */
export async function timeState(proxy: ProxyChild): Promise<{ ms: number; entries: number }> {
  const t = performance.now();
  try {
    const s = (await proxy.admin('GET', '/v1/state')) as { gateways: Record<string, string>; servers: Record<string, string> };
    return { ms: performance.now() - t, entries: Object.keys(s.gateways).length + Object.keys(s.servers).length };
  } catch {
    return { ms: Number.NaN, entries: 0 };
  }
}

/**
 * Times `GET /v1/state` every `everyMs` (as the operator polls) until stopped: each sample's
 * duration, so a proxy too busy to answer within the operator's deadline shows.
 */
export function sampleState(proxy: ProxyChild, everyMs = 5_000): { stop(): Promise<number[]> } {
  const samples: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      samples.push((await timeState(proxy)).ms);
      await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (performance.now() - started))));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
  };
}

import { describe, expect, it } from 'vitest';
import { ConditionType } from '../../../src/api/conditions.ts';
import { EventCorrelator } from '../../../src/operator/events.ts';
import { eventTypeOf } from '../../../src/operator/lifecycle.ts';
import { gatewayReadInResourceTerms, inResourceTerms } from '../../../src/operator/kinds/resource-terms.ts';

const ready = (status: 'True' | 'False', reason: string) => ({ type: ConditionType.Ready, status, reason, message: '', lastTransitionTime: '2026-01-01T00:00:00Z' });

describe('event types', () => {
  it('progress and recovery are Normal; what needs a person or is failing is Warning', () => {
    for (const r of ['Progressing', 'GatewayNotReady', 'DependencyNotReady', 'ConsentRequired', 'NoReplicas']) expect(eventTypeOf(ready('False', r))).toBe('Normal');
    expect(eventTypeOf(ready('True', 'Succeeded'))).toBe('Normal');
    for (const r of ['InvalidSpec', 'SecretNotFound', 'SelectorsUnmatched', 'NameConflict', 'GatewayNotFound', 'Unreachable', 'Unauthorized']) expect(eventTypeOf(ready('False', r))).toBe('Warning');
  });
});

describe('EventCorrelator (client-go semantics)', () => {
  it('dedups identical events to one key', () => {
    const c = new EventCorrelator();
    const a = c.correlate('uid-1', 'Warning', 'Unreachable', 'down');
    const b = c.correlate('uid-1', 'Warning', 'Unreachable', 'down');
    expect(a).toEqual(b);
  });

  it('combines the 10th and later distinct messages of one reason into one event', () => {
    const c = new EventCorrelator();
    const keys = Array.from({ length: 15 }, (_, i) => c.correlate('uid-1', 'Warning', 'Unreachable', `down ${i}`));
    expect(new Set(keys.slice(0, 9).map((k) => (k.emit ? k.key : ''))).size).toBe(9);
    const rest = keys.slice(9);
    expect(new Set(rest.map((k) => (k.emit ? k.key : ''))).size).toBe(1);
    expect(rest[0]).toMatchObject({ emit: true, message: '(combined from similar events): down 9' });
  });

  it('lets an object write 25 events at once, then one per 5 minutes; other objects are not affected', () => {
    let now = 0;
    const c = new EventCorrelator({ now: () => now });
    const emitted = Array.from({ length: 100 }, () => c.correlate('flapping', 'Normal', 'Progressing', 'x')).filter((r) => r.emit).length;
    expect(emitted).toBe(25);
    expect(c.correlate('other', 'Normal', 'Progressing', 'x').emit).toBe(true);
    now += 299_000;
    expect(c.correlate('flapping', 'Normal', 'Progressing', 'x').emit).toBe(false);
    now += 1_000;
    expect(c.correlate('flapping', 'Normal', 'Progressing', 'x').emit).toBe(true);
    expect(c.correlate('flapping', 'Normal', 'Progressing', 'x').emit).toBe(false);
  });
});

describe('messages in resource terms', () => {
  const id = 'a'.repeat(32);
  const nameOf = (x: string) => (x === id ? 'jira' : undefined);
  it('names spec fields and McpGateway names, not admin-API fields and ids', () => {
    expect(inResourceTerms('tool_selectors[0].include[1] "getPage" matched no tool of gateway jira', nameOf)).toBe('spec.tools[0].include[1] "getPage" matched no tool of gateway jira');
    expect(inResourceTerms(`tool_selectors[2]: gateway ${id} is not registered`, nameOf)).toBe('spec.tools[2]: gateway jira is not registered');
    expect(inResourceTerms(`${id}/echo`, nameOf)).toBe('jira/echo');
    expect(inResourceTerms('prompt_selectors[1].rename "x" matched no selected prompt', nameOf)).toBe('spec.prompts[1].rename "x" matched no selected prompt');
  });

  it('names spec.allowPrivateNetwork for a refused loopback or private upstream', () => {
    const read = { reachable: false, lastCheck: '2026-01-01T00:00:00Z', toolCount: 0, authorizedUsers: 0, lastError: 'url http://127.0.0.1:9 is refused: it resolves to a loopback address (enable loopback for dev and tests only)' };
    expect(gatewayReadInResourceTerms(read).lastError).toBe('spec.url http://127.0.0.1:9 is refused: it resolves to a loopback address; set spec.allowPrivateNetwork: true to allow it');
  });
});

import { describe, expect, it } from 'vitest';
import {
  Condition,
  getCondition,
  isFalse,
  isTrue,
  MAX_MESSAGE_LENGTH,
  removeCondition,
  setCondition,
  toMetaTime,
} from '../../../src/api/conditions.ts';

const t0 = new Date('2026-11-25T17:00:00.123Z');
const t1 = new Date('2026-11-25T17:05:00.000Z');

describe('setCondition', () => {
  it('stamps observedGeneration and a whole-second lastTransitionTime on a new condition', () => {
    const c = setCondition([], { type: 'Ready', status: 'False', reason: 'Progressing', message: 'syncing' }, 3, t0);
    expect(c).toEqual([
      { type: 'Ready', status: 'False', observedGeneration: 3, lastTransitionTime: '2026-11-25T17:00:00Z', reason: 'Progressing', message: 'syncing' },
    ]);
    expect(Condition.safeParse(c[0]).success).toBe(true);
  });

  it('keeps lastTransitionTime when only reason, message or generation change, so a no-op reconcile writes nothing', () => {
    const a = setCondition([], { type: 'Ready', status: 'False', reason: 'Progressing', message: 'syncing' }, 1, t0);
    const b = setCondition(a, { type: 'Ready', status: 'False', reason: 'Unreachable', message: 'connection refused' }, 2, t1);
    expect(b[0]).toMatchObject({ lastTransitionTime: '2026-11-25T17:00:00Z', reason: 'Unreachable', observedGeneration: 2 });
    const again = setCondition(b, { type: 'Ready', status: 'False', reason: 'Unreachable', message: 'connection refused' }, 2, t1);
    expect(again).toEqual(b);
  });

  it('moves lastTransitionTime when the status changes', () => {
    const a = setCondition([], { type: 'Ready', status: 'False', reason: 'Progressing', message: '' }, 1, t0);
    const b = setCondition(a, { type: 'Ready', status: 'True', reason: 'Succeeded', message: '3 tools' }, 1, t1);
    expect(b[0]?.lastTransitionTime).toBe('2026-11-25T17:05:00Z');
  });

  it('keeps a stable order: Ready, Reconciling, Stalled, then by type', () => {
    let c: Condition[] = [];
    for (const type of ['ToolsDiscovered', 'Stalled', 'Authorized', 'Ready', 'Reachable', 'Reconciling']) {
      c = setCondition(c, { type, status: 'True', reason: 'Succeeded', message: '' }, 1, t0);
    }
    expect(c.map((x) => x.type)).toEqual(['Ready', 'Reconciling', 'Stalled', 'Authorized', 'Reachable', 'ToolsDiscovered']);
  });

  it('trims long messages and surrounding whitespace', () => {
    const c = setCondition([], { type: 'Ready', status: 'False', reason: 'UpstreamError', message: `  ${'x'.repeat(5000)}  ` }, 1, t0);
    expect(c[0]?.message).toHaveLength(MAX_MESSAGE_LENGTH);
    expect(c[0]?.message.endsWith('…')).toBe(true);
  });

  it('does not modify the list it is given', () => {
    const a = setCondition([], { type: 'Ready', status: 'False', reason: 'Progressing', message: '' }, 1, t0);
    const frozen = structuredClone(a);
    setCondition(a, { type: 'Ready', status: 'True', reason: 'Succeeded', message: '' }, 2, t1);
    expect(a).toEqual(frozen);
  });

  it('omits observedGeneration when the generation is unknown', () => {
    const c = setCondition([], { type: 'Ready', status: 'Unknown', reason: 'Progressing', message: '' }, undefined, t0);
    expect(c[0]).not.toHaveProperty('observedGeneration');
  });
});

describe('condition queries', () => {
  const c = removeCondition(
    setCondition(
      setCondition([], { type: 'Ready', status: 'True', reason: 'Succeeded', message: '' }, 1, t0),
      { type: 'Reconciling', status: 'True', reason: 'Progressing', message: '' },
      1,
      t0,
    ),
    'Reconciling',
  );
  it('getCondition, isTrue, isFalse and removeCondition', () => {
    expect(getCondition(c, 'Ready')?.reason).toBe('Succeeded');
    expect(getCondition(c, 'Reconciling')).toBeUndefined();
    expect(isTrue(c, 'Ready')).toBe(true);
    expect(isFalse(c, 'Ready')).toBe(false);
    expect(isTrue(undefined, 'Ready')).toBe(false);
  });
  it('toMetaTime drops milliseconds', () => {
    expect(toMetaTime(t0)).toBe('2026-11-25T17:00:00Z');
  });
});

import { describe, expect, it } from 'vitest';
import { FieldIndex } from '../../../src/operator/kube/informer.ts';

describe('FieldIndex (value → object keys)', () => {
  it('finds objects by value as they are added, changed and removed, one or many per value', () => {
    const index = new FieldIndex<{ refs: string[] }>((o) => o.refs);
    index.update('ns/a', { refs: ['gw1'] });
    index.update('ns/b', { refs: ['gw1', 'gw2'] });
    index.update('ns/c', { refs: ['gw2'] });
    expect(index.get('gw1').sort()).toEqual(['ns/a', 'ns/b']);
    expect(index.get('gw2').sort()).toEqual(['ns/b', 'ns/c']);
    index.update('ns/b', { refs: ['gw3'] }); // changed: leaves gw1 and gw2
    expect(index.get('gw1')).toEqual(['ns/a']);
    expect(index.get('gw2')).toEqual(['ns/c']);
    expect(index.get('gw3')).toEqual(['ns/b']);
    index.update('ns/a', undefined); // deleted
    expect(index.get('gw1')).toEqual([]);
    index.update('ns/a', { refs: ['gw3'] });
    index.update('ns/a', { refs: ['gw3'] }); // the same again
    expect(index.get('gw3').sort()).toEqual(['ns/a', 'ns/b']);
    index.update('ns/b', { refs: [] });
    expect(index.get('gw3')).toEqual(['ns/a']);
    expect(index.get('nothing')).toEqual([]);
  });
});

import assert from 'node:assert/strict';
import { evaluateSelector, formatSelector, selectorMatches } from '../../src/istio';

describe('LabelSelector semantics', () => {
  it('a missing or empty selector matches everything', () => {
    assert.equal(selectorMatches(undefined, {}), true);
    assert.equal(selectorMatches({}, { a: 'b' }), true);
  });
  it('matchLabels needs every pair', () => {
    assert.equal(selectorMatches({ matchLabels: { a: '1', b: '2' } }, { a: '1', b: '2', c: '3' }), true);
    assert.equal(selectorMatches({ matchLabels: { a: '1', b: '2' } }, { a: '1' }), false);
    assert.equal(selectorMatches({ matchLabels: { a: '1' } }, { a: '2' }), false);
  });
  it('In requires presence and a listed value', () => {
    const s = { matchExpressions: [{ key: 'k', operator: 'In', values: ['x', 'y'] }] };
    assert.equal(selectorMatches(s, { k: 'y' }), true);
    assert.equal(selectorMatches(s, { k: 'z' }), false);
    assert.equal(selectorMatches(s, {}), false);
  });
  it('NotIn matches when the key is absent', () => {
    const s = { matchExpressions: [{ key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false'] }] };
    assert.equal(selectorMatches(s, {}), true);
    assert.equal(selectorMatches(s, { 'sidecar.istio.io/inject': 'true' }), true);
    assert.equal(selectorMatches(s, { 'sidecar.istio.io/inject': 'false' }), false);
  });
  it('Exists and DoesNotExist look at presence only, empty values included', () => {
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'k', operator: 'Exists' }] }, { k: '' }), true);
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'k', operator: 'DoesNotExist' }] }, { k: '' }), false);
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'k', operator: 'DoesNotExist' }] }, { other: '' }), true);
  });
  it('does not treat inherited object properties as labels', () => {
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'toString', operator: 'Exists' }] }, {}), false);
  });
  it('invalid selectors are errors and match nothing', () => {
    const bad = evaluateSelector({ matchExpressions: [{ key: 'k', operator: 'Equals', values: ['v'] }] }, { k: 'v' });
    assert.deepEqual(bad, { ok: false, error: 'unknown selector operator "Equals" on key k' });
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'k', operator: 'In', values: [] }] }, { k: 'v' }), false);
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'k', operator: 'Exists', values: ['v'] }] }, { k: 'v' }), false);
  });
  it('formats like kubectl', () => {
    assert.equal(
      formatSelector({
        matchLabels: { a: 'b' },
        matchExpressions: [
          { key: 'istio.io/rev', operator: 'In', values: ['canary'] },
          { key: 'istio-injection', operator: 'DoesNotExist' },
        ],
      }),
      'a=b,istio.io/rev in (canary),!istio-injection',
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deserialize, OneHotEncoder } from '../../src/ml/index.ts';

describe('OneHotEncoder', () => {
  it('turns categories into stable indicator columns and passes numbers through', () => {
    const encoder = new OneHotEncoder();
    encoder.learnOne({ proto: 'tcp', service: 'http', bytes: 120 });
    encoder.learnOne({ proto: 'udp', service: 'dns', bytes: 80 });
    assert.deepEqual(encoder.transformOne({ proto: 'udp', service: 'http', bytes: 80 }), {
      'proto=tcp': 0,
      'proto=udp': 1,
      'service=http': 1,
      'service=dns': 0,
      bytes: 80,
    });
    // A category never learned encodes as all zeros; an unknown feature name is dropped.
    assert.deepEqual(encoder.transformOne({ proto: 'icmp', flag: 'SF' }), { 'proto=tcp': 0, 'proto=udp': 0 });
    assert.deepEqual(encoder.categories('proto'), ['tcp', 'udp']);
  });

  it('survives serialisation', () => {
    const encoder = new OneHotEncoder();
    encoder.learnOne({ proto: 'tcp' });
    encoder.learnOne({ proto: 'udp' });
    const copy = deserialize(encoder.serialize()) as unknown as OneHotEncoder;
    assert.deepEqual(copy.transformOne({ proto: 'udp' }), encoder.transformOne({ proto: 'udp' }));
  });
});

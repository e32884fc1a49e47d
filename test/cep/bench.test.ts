/** The CEP benchmark: its pattern against a hand-computed case, and a small run end to end. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escalation, runCepBench } from '../../bench/cep/run.ts';
import type { Bid } from '../../bench/nexmark/model.ts';
import { compilePattern } from '../../src/cep/compile.ts';
import type { PatternMatch } from '../../src/cep/index.ts';
import { PatternOperator } from '../../src/cep/operator.ts';
import type { ProcessContext } from '../../src/dataflow/index.ts';

function run(bids: Bid[]): number[][] {
  const op = new PatternOperator({
    kind: 'pattern',
    name: 'escalation',
    pattern: compilePattern(escalation),
    timeouts: false,
  });
  const out: number[][] = [];
  const ctx: ProcessContext<PatternMatch> = {
    watermark: 0,
    partition: 0,
    emit: (m) =>
      void out.push(
        Object.values((m as PatternMatch<Bid>).events).flatMap((list) => list.map((b) => b.price)),
      ),
    output() {},
    late() {},
  };
  for (const b of bids) {
    op.process(b, b.bidder, b.dateTime, ctx);
    op.onWatermark(b.dateTime, ctx);
  }
  op.onWatermark(Number.POSITIVE_INFINITY, ctx);
  return out;
}

const bid = (bidder: number, price: number, dateTime: number): Bid => ({
  auction: 1,
  bidder,
  price,
  channel: '',
  url: '',
  dateTime,
  extra: '',
});

describe('CEP benchmark', () => {
  it('escalation: cheap, ≥ 10× higher, ≥ 10× higher again, within 10 s, skip past the last event', () => {
    assert.deepEqual(
      run([
        bid(1, 500, 0),
        bid(1, 300, 1),
        bid(2, 900, 2),
        bid(1, 6000, 3),
        bid(1, 70_000, 4),
        bid(2, 8000, 5),
      ]),
      [[500, 6000, 70_000]],
    );
    assert.deepEqual(
      run([bid(1, 500, 0), bid(1, 6000, 5000), bid(1, 70_000, 10_000)]),
      [],
      'outside the 10 s',
    );
  });

  it('runs end to end and counts matches', async () => {
    const r = await runCepBench(20_000);
    assert.equal(r.events, 20_000);
    assert.ok(r.eventsPerSecond > 0 && r.matches > 0, JSON.stringify(r));
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Outage } from '../../src/lib/polling-worker.js';

// What the mail and ORCID workers decide from when a peer (the SMTP relay, ORCID) is away: the
// waits between tries, and what the log lines that open and close an outage report.
describe('a peer away (the workers’ Outage)', () => {
  test('waits 5 s after the first miss, doubling to a minute and staying there', () => {
    const outage = new Outage();
    assert.equal(outage.beganAt(0), null);
    assert.equal(outage.waiting(0), false);
    const t0 = 1_000_000;
    const waits: number[] = [];
    let now = t0;
    for (let miss = 0; miss < 12; miss++) {
      const begins = outage.missed(now);
      assert.equal(begins, miss === 0, `miss ${miss} said the outage began: ${begins}`);
      assert.equal(outage.beganAt(now), t0);
      let until = now;
      while (outage.waiting(until)) until += 1_000;
      waits.push((until - now) / 1000);
      now = until;
    }
    assert.deepEqual(waits, [5, 10, 20, 40, 60, 60, 60, 60, 60, 60, 60, 60]);
  });

  test('a wait the peer asked for (a Retry-After) holds when longer than the backoff, and only for that miss', () => {
    const outage = new Outage();
    outage.missed(0, 120_000);
    assert.equal(outage.waiting(119_999), true);
    assert.equal(outage.waiting(120_000), false);
    outage.missed(120_000, 1_000);
    assert.equal(outage.waiting(129_999), true, 'a shorter request cut the backoff');
    assert.equal(outage.waiting(130_000), false);
    outage.missed(130_000);
    assert.equal(outage.waiting(150_000), false, 'the backoff went on doubling from the tries, 20 s');
  });

  test('an answer ends it: reports how long and how many tries, and the next miss begins a new one', () => {
    const outage = new Outage();
    assert.equal(outage.answered(500), undefined, 'an answer with no outage reported one');
    outage.missed(1_000);
    outage.missed(6_000);
    outage.missed(16_000);
    assert.deepEqual(outage.answered(20_000), { forMs: 19_000, tries: 3 });
    assert.equal(outage.beganAt(20_000), null);
    assert.equal(outage.waiting(20_001), false, 'still waiting after the peer answered');
    assert.equal(outage.answered(21_000), undefined);
    assert.equal(outage.beganAt(21_000), null, 'an outage still began after the peer answered');
    assert.equal(outage.missed(30_000), true, 'the next miss did not begin a new outage');
    assert.equal(outage.waiting(34_999), true);
    assert.equal(outage.waiting(35_000), false);
    outage.missed(35_000);
    assert.equal(outage.beganAt(35_000), 30_000, 'the outage began at its first miss');
  });

  test('an outage not seen for longer than it may last unseen is over: the next miss begins a new one', () => {
    const outage = new Outage(5_000, 60_000, 7_200_000);
    assert.equal(outage.missed(0), true);
    assert.equal(outage.missed(60_000), false);
    assert.equal(outage.beganAt(60_000 + 7_200_000), 0, 'over before its time');
    assert.equal(outage.beganAt(60_001 + 7_200_000), null, 'still going on after two hours unseen');
    assert.equal(outage.missed(60_001 + 7_200_000), true, 'the next miss did not begin a new outage');
    assert.equal(outage.beganAt(60_002 + 7_200_000), 60_001 + 7_200_000);
    assert.equal(outage.answered(70_000 + 7_200_000)?.tries, 1, 'the tries of the stale outage were kept');
    // Heard after it went stale: nothing to report.
    const stale = new Outage(5_000, 60_000, 1_000);
    stale.missed(0);
    assert.equal(stale.answered(1_001), undefined, 'a stale outage was reported as ending');
  });
});

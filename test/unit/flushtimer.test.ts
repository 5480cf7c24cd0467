import assert from 'node:assert/strict';
import { FlushTimer } from '../../src/ui/tree/flushTimer';

const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits (at most 10 s) until `n` refreshes fired: the assertions are on when they fired, never on how soon. */
async function fired(fires: number[], n: number): Promise<void> {
  const end = performance.now() + 10_000;
  while (fires.length < n && performance.now() < end) await sleep(10);
  assert.equal(fires.length, n, `${fires.length} refreshes, not ${n}`);
}

describe("the tree's refresh timer (FlushTimer)", function () {
  this.timeout(20_000);

  it('a burst waits the debounce after its first request and fires once', async () => {
    const fires: number[] = [];
    const t = new FlushTimer(() => fires.push(performance.now()), 100, 250);
    const t0 = performance.now();
    for (let i = 0; i < 50; i++) t.request();
    await sleep(30);
    t.request();
    await fired(fires, 1);
    await sleep(300);
    assert.equal(fires.length, 1, 'the burst fired once');
    assert.ok(fires[0] - t0 >= 99, `fired ${(fires[0] - t0).toFixed(1)} ms after the first request`);
    t.cancel();
  });

  it('now() fires at once and replaces the pending timer; the next request keeps the interval from it', async () => {
    const fires: number[] = [];
    const t = new FlushTimer(() => fires.push(performance.now()), 100, 250);
    t.request();
    t.now();
    assert.equal(fires.length, 1);
    await sleep(150);
    assert.equal(fires.length, 1, 'the timer now() replaced did not fire');
    t.request();
    await fired(fires, 2);
    assert.ok(fires[1] - fires[0] >= 250, `gap ${(fires[1] - fires[0]).toFixed(1)} ms`);
    t.cancel();
  });

  it('a request made late in a long task keeps the interval from the last refresh, to the fraction of a millisecond', async () => {
    const fires: number[] = [];
    const t = new FlushTimer(() => fires.push(performance.now()), 100, 250);
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        t.now();
        busy(80); // the task goes on after the refresh, and a change arrives at its end
        t.request();
        resolve();
      }),
    );
    await fired(fires, 2);
    assert.ok(fires[1] - fires[0] >= 250, `the second refresh came ${(fires[1] - fires[0]).toFixed(1)} ms after the first`);
  });

  it('a storm of changes in long tasks: never two refreshes less than 250 ms apart (so never five in a second)', async () => {
    const fires: number[] = [];
    const t = new FlushTimer(() => fires.push(performance.now()), 100, 250);
    const end = performance.now() + 3000;
    let task = 0;
    while (performance.now() < end) {
      await new Promise<void>((resolve) =>
        setImmediate(() => {
          busy(20 + ((task++ * 37) % 60)); // tasks of 20–80 ms, as a watch batch and its listeners
          t.request();
          resolve();
        }),
      );
    }
    await sleep(300);
    t.cancel();
    assert.ok(fires.length >= 4, `${fires.length} refreshes in 3 s`);
    const gaps = fires.slice(1).map((f, i) => f - fires[i]);
    assert.ok(Math.min(...gaps) >= 250, `gaps: ${gaps.map((g) => g.toFixed(0)).join(', ')} ms`);
  });
});

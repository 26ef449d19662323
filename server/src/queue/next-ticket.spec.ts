/** The priority rule on its own: property tests over random arrivals and calls. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextStreak, pickInService, pickNext, type Candidate } from './next-ticket';

interface Sim extends Candidate {
  priority: boolean;
}

/** One service's queue, run with the rule: returns, for each ticket, how many calls it waited. */
function run(events: ('regular' | 'priority' | 'call')[], every: number) {
  const waiting: Sim[] = [];
  let streak = 0;
  let n = 0;
  const waitedCalls = new Map<number, number>();
  const arrivedAt = new Map<number, number>();
  let calls = 0;
  const called: Sim[] = [];
  for (const e of events) {
    if (e !== 'call') {
      n++;
      const t: Sim = { id: String(n), number: n, queuedAt: String(n).padStart(6, '0'), priority: e === 'priority' };
      waiting.push(t);
      arrivedAt.set(n, calls);
      continue;
    }
    const pick = pickInService(
      {
        service: 's',
        regular: waiting.find((t) => !t.priority) ?? null,
        priority: waiting.find((t) => t.priority) ?? null,
        regularStreak: streak
      },
      every
    );
    if (!pick) continue;
    calls++;
    waiting.splice(waiting.indexOf(pick.ticket), 1);
    streak = nextStreak(streak, pick.priority);
    waitedCalls.set(pick.ticket.number, calls - arrivedAt.get(pick.ticket.number)!);
    called.push(pick.ticket);
  }
  return { waitedCalls, called, waiting, arrivedAt, calls };
}

describe('the priority rule', () => {
  it('one priority ticket after every N regular ones, in arrival order within each', () => {
    const events = [...Array(6).fill('regular'), ...Array(3).fill('priority'), ...Array(9).fill('call')] as (
      'regular' | 'priority' | 'call'
    )[];
    const { called } = run(events, 2);
    expect(called.map((t) => (t.priority ? `P${t.number}` : `R${t.number}`))).toEqual([
      'R1',
      'R2',
      'P7',
      'R3',
      'R4',
      'P8',
      'R5',
      'R6',
      'P9'
    ]);
  });

  it('nobody waits forever: a ticket is called within a bound set by the queue ahead of it and the rule', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('regular', 'priority', 'call', 'call'), { maxLength: 300 }),
        fc.integer({ min: 1, max: 5 }),
        (events, every) => {
          // Then enough calls to empty the queue.
          const { waitedCalls, waiting, called } = run([...events, ...Array(400).fill('call')], every);
          expect(waiting).toEqual([]);
          for (const t of called) {
            // Ahead of it when it arrived: at most every ticket before it; each of its own class
            // ahead costs at most `every + 1` calls (the other class takes its turns in between).
            const bound = (t.number + 1) * (every + 1);
            expect(waitedCalls.get(t.number)!).toBeLessThanOrEqual(bound);
          }
          // Within each class, arrival order is kept.
          for (const cls of [true, false]) {
            const order = called.filter((t) => t.priority === cls).map((t) => t.number);
            expect(order).toEqual([...order].sort((a, b) => a - b));
          }
        }
      ),
      { numRuns: 300 }
    );
  });

  it('regular tickets are never stuck behind a stream of priority ones, nor priority ones behind regular ones', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 10, max: 60 }), (every, stream) => {
        // One regular ticket, then only priority tickets arriving, one per call.
        const flood = run(['regular', ...Array.from({ length: stream }, () => ['priority', 'call'] as const).flat()], every);
        expect(flood.called.some((t) => !t.priority)).toBe(true);
        expect(flood.waitedCalls.get(1)!).toBeLessThanOrEqual(1);
        // One priority ticket among a stream of regular ones: called within `every + 1` calls.
        const regulars = run(
          [...Array(stream).fill('regular'), 'priority', ...Array(stream).fill('call')] as ('regular' | 'priority' | 'call')[],
          every
        );
        expect(regulars.waitedCalls.get(stream + 1)!).toBeLessThanOrEqual(every + 1);
      })
    );
  });

  it('across services, the ticket that has waited longest goes first', () => {
    const t = (n: number, at: string) => ({ id: String(n), number: n, queuedAt: at });
    const pick = pickNext(
      [
        { service: 'a', regular: t(1, '09:05'), priority: null, regularStreak: 0 },
        { service: 'b', regular: t(1, '09:01'), priority: null, regularStreak: 0 }
      ],
      2
    );
    expect(pick?.service).toBe('b');
    expect(pickNext([{ service: 'a', regular: null, priority: null, regularStreak: 0 }], 2)).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import type { CallView } from '$shared/schemas/queue';
import { catchUp, emptyLog, historyOf, receiveCall, spokenTicket, type CallLog } from './calls';

function call(seq: number, label = `T-${String(seq).padStart(3, '0')}`, recall = false): CallView {
  return {
    seq,
    ticketId: `ticket-${label}`,
    label,
    service: 'accueil',
    serviceName: 'Accueil',
    counterName: 'Guichet 3',
    recall,
    at: new Date(Date.UTC(2025, 0, 6, 9, 0, seq)).toISOString()
  };
}

const seqs = (calls: CallView[]) => calls.map((c) => c.seq);

function loaded(recent: CallView[]): CallLog {
  return catchUp(emptyLog(), recent, { announceMissed: false }).log;
}

describe('the hall display’s calls', () => {
  it('shows the past on the first load without announcing it', () => {
    const { log, fresh } = catchUp(emptyLog(), [call(3), call(2), call(1)], { announceMissed: true });
    expect(fresh).toEqual([]);
    expect(seqs(log.calls)).toEqual([3, 2, 1]);
  });

  it('announces a live call once, however often it is delivered', () => {
    let log = loaded([call(1)]);
    const first = receiveCall(log, call(2));
    expect(first.fresh?.seq).toBe(2);
    log = first.log;
    expect(receiveCall(log, call(2)).fresh).toBeNull();
    expect(receiveCall(log, call(1)).fresh).toBeNull();
    expect(seqs(log.calls)).toEqual([2, 1]);
  });

  it('announces a recall: the same ticket with a new seq', () => {
    const log = loaded([call(1, 'T-042')]);
    const { fresh } = receiveCall(log, { ...call(2, 'T-042', true), ticketId: 'ticket-T-042' });
    expect(fresh).toMatchObject({ seq: 2, recall: true, label: 'T-042' });
  });

  it('does not announce again after a reconnect what it already showed', () => {
    let log = loaded([call(2), call(1)]);
    log = receiveCall(log, call(3)).log;
    const { fresh } = catchUp(log, [call(3), call(2), call(1)], { announceMissed: true });
    expect(fresh).toEqual([]);
  });

  it('announces the calls missed during a short outage, oldest first, at most three', () => {
    const log = loaded([call(1)]);
    const recent = [call(6), call(5), call(4), call(3), call(2), call(1)];
    expect(seqs(catchUp(log, recent, { announceMissed: true }).fresh)).toEqual([4, 5, 6]);
    expect(catchUp(log, recent, { announceMissed: false }).fresh).toEqual([]);
    expect(seqs(catchUp(log, recent, { announceMissed: false }).log.calls)).toEqual([6, 5, 4, 3, 2, 1]);
  });

  it('catches up a call missed while a later one arrived live before the answer', () => {
    let log = loaded([call(1)]);
    log = receiveCall(log, call(3)).log;
    const { fresh } = catchUp(log, [call(3), call(2), call(1)], { announceMissed: true });
    expect(seqs(fresh)).toEqual([2]);
  });

  it('starts again when the server’s count started again', () => {
    const log = loaded([call(9), call(8)]);
    const { log: next, fresh } = catchUp(log, [call(1)], { announceMissed: true });
    expect(fresh).toEqual([]);
    expect(seqs(next.calls)).toEqual([1]);
    expect(receiveCall(next, call(2)).fresh?.seq).toBe(2);
  });

  it('lists earlier calls once per ticket, without the current one, five at most', () => {
    const calls = [
      { ...call(9, 'T-042', true), ticketId: 'a' },
      { ...call(8), ticketId: 'b' },
      { ...call(7, 'T-042'), ticketId: 'a' },
      ...[6, 5, 4, 3, 2, 1].map((s) => call(s))
    ];
    expect(seqs(historyOf(calls))).toEqual([8, 6, 5, 4, 3]);
    expect(historyOf([])).toEqual([]);
  });

  it('says the letter and the number without leading zeros', () => {
    expect(spokenTicket('T-042')).toEqual({ letter: 'T', number: '42' });
    expect(spokenTicket('A007')).toEqual({ letter: 'A', number: '7' });
    expect(spokenTicket('B-100')).toEqual({ letter: 'B', number: '100' });
    expect(spokenTicket('C-000')).toEqual({ letter: 'C', number: '0' });
  });
});

import { describe, expect, it } from 'vitest';
import type { Procedure } from '../procedures/schema';
import type { SessionState } from '../schemas/session';
import { applyChange, applyChanges, newSessionState, optimisticChanges } from './apply';

const base: SessionState = {
  ...newSessionState({ id: 's1', reference: 'ABC-DEF', locale: 'fr', startedAt: '2026-11-23T09:00:00.000Z' }),
  version: 3
};

describe('applying session changes', () => {
  it('opening a procedure starts at its first step with no answers', () => {
    const withAnswers = { ...base, answers: { old: 'x' } };
    const opened = applyChange(withAnswers, { op: 'open', procedureId: 'p', version: 2, stepId: 'first' });
    expect(opened).toMatchObject({ screen: 'step', procedureId: 'p', procedureVersion: 2, stepId: 'first', answers: {} });
  });

  it('going back to the catalog forgets the procedure and its version', () => {
    const opened = applyChange(base, { op: 'open', procedureId: 'p', version: 2, stepId: 'first' });
    expect(applyChange(opened, { op: 'catalog' })).toMatchObject({ procedureId: null, procedureVersion: null, stepId: null });
  });

  it('an answer replaces, clears, or is marked withheld without its value', () => {
    let s = applyChange(base, { op: 'answer', stepId: 'nom', value: 'Dupont' });
    expect(s.answers).toEqual({ nom: 'Dupont' });
    s = applyChange(s, { op: 'answer', stepId: 'nom', value: null });
    expect(s.answers).toEqual({});
    s = applyChange(s, { op: 'answer', stepId: 'code', value: null, withheld: true });
    expect(s).toMatchObject({ answers: {}, withheld: ['code'] });
    s = applyChange(s, { op: 'answer', stepId: 'code', value: null });
    expect(s.withheld).toEqual([]);
  });

  it('a patch sets the version it carries and never changes the state it was given', () => {
    const next = applyChanges(base, [{ op: 'locale', locale: 'ar' }, { op: 'ended' }], 4);
    expect(next).toMatchObject({ version: 4, locale: 'ar', status: 'ended' });
    expect(base).toMatchObject({ version: 3, locale: 'fr', status: 'active' });
  });

  it('what a client shows at once matches what the server will confirm, notes and unknown procedures excepted', () => {
    const published = { version: 3, steps: [{ id: 'a' }] } as Pick<Procedure, 'version' | 'steps'>;
    const changes = optimisticChanges(
      [
        { op: 'open', procedureId: 'p' },
        { op: 'goto', stepId: 'b', returnToReview: true },
        { op: 'note', text: 'waits for the server' },
        { op: 'open', procedureId: 'unknown' }
      ],
      (id) => (id === 'p' ? published : undefined)
    );
    expect(changes).toEqual([
      { op: 'open', procedureId: 'p', version: 3, stepId: 'a' },
      { op: 'goto', stepId: 'b', returnToReview: true }
    ]);
  });
});

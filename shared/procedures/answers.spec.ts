import { describe, expect, it } from 'vitest';
import { answerProblem, conditionHolds, effectiveAnswers, localize, visibleDocuments, visibleSteps } from './answers';
import { procedureSchema, questionStepSchema, type DocumentsStep } from './schema';

const procedure = procedureSchema.parse({
  id: 'test',
  version: 1,
  service: 'accueil',
  pictogram: 'info',
  title: { fr: 'Test' },
  summary: { fr: 'Test' },
  steps: [
    {
      id: 'pour',
      kind: 'question',
      type: 'one_choice',
      label: { fr: 'Pour qui ?' },
      choices: [
        { id: 'moi', label: { fr: 'Moi' } },
        { id: 'enfant', label: { fr: 'Un enfant' } }
      ]
    },
    {
      id: 'age',
      kind: 'question',
      type: 'number',
      min: 0,
      max: 17,
      label: { fr: 'Âge ?' },
      when: { question: 'pour', equals: 'enfant' }
    },
    {
      id: 'petit',
      kind: 'explanation',
      title: { fr: 'Petit' },
      body: { fr: 'Moins de 12 ans' },
      when: { question: 'age', answered: true }
    },
    {
      id: 'papiers',
      kind: 'documents',
      title: { fr: 'Papiers' },
      documents: [
        { id: 'id', label: { fr: 'Pièce' } },
        { id: 'livret', label: { fr: 'Livret de famille' }, when: { question: 'pour', oneOf: ['enfant'] } }
      ]
    },
    { id: 'fin', kind: 'review', title: { fr: 'Fin' }, nextSteps: { fr: 'Guichet' } }
  ]
});

describe('visibleSteps', () => {
  it('follows the branches', () => {
    expect(visibleSteps(procedure, {}).map((s) => s.id)).toEqual(['pour', 'papiers', 'fin']);
    expect(visibleSteps(procedure, { pour: 'enfant' }).map((s) => s.id)).toEqual(['pour', 'age', 'papiers', 'fin']);
    expect(visibleSteps(procedure, { pour: 'enfant', age: 8 }).map((s) => s.id)).toEqual([
      'pour',
      'age',
      'petit',
      'papiers',
      'fin'
    ]);
  });

  it('forgets answers of steps that a changed answer hid', () => {
    const answers = { pour: 'moi', age: 8 };
    expect(visibleSteps(procedure, answers).map((s) => s.id)).toEqual(['pour', 'papiers', 'fin']);
    expect(effectiveAnswers(procedure, answers)).toEqual({ pour: 'moi' });
  });

  it('asks for documents by answer', () => {
    const docs = procedure.steps[3] as DocumentsStep;
    expect(visibleDocuments(docs, { pour: 'moi' }).map((d) => d.id)).toEqual(['id']);
    expect(visibleDocuments(docs, { pour: 'enfant' }).map((d) => d.id)).toEqual(['id', 'livret']);
  });
});

describe('conditionHolds', () => {
  it('combines conditions', () => {
    const answers = { a: true, b: ['x', 'y'], c: 'z' };
    expect(
      conditionHolds(
        {
          all: [
            { question: 'a', equals: true },
            { question: 'b', includes: 'y' }
          ]
        },
        answers
      )
    ).toBe(true);
    expect(
      conditionHolds(
        {
          any: [
            { question: 'a', equals: false },
            { question: 'c', oneOf: ['z'] }
          ]
        },
        answers
      )
    ).toBe(true);
    expect(conditionHolds({ not: { question: 'missing', answered: true } }, answers)).toBe(true);
    expect(conditionHolds({ question: 'missing', equals: true }, answers)).toBe(false);
  });
});

describe('answerProblem', () => {
  const q = (extra: object) => questionStepSchema.parse({ id: 'q', kind: 'question', label: { fr: 'Q' }, ...extra });
  const today = '2026-11-23';

  it('checks required answers', () => {
    expect(answerProblem(q({ type: 'short_text' }), '', today)).toBe('required');
    expect(answerProblem(q({ type: 'short_text' }), '   ', today)).toBe('required');
    expect(answerProblem(q({ type: 'short_text', required: false }), '', today)).toBeNull();
  });

  it('checks numbers', () => {
    const n = q({ type: 'number', min: 0, max: 120 });
    expect(answerProblem(n, 42, today)).toBeNull();
    expect(answerProblem(n, 4.5, today)).toBe('not_whole');
    expect(answerProblem(n, 130, today)).toBe('too_large');
    expect(answerProblem(n, -1, today)).toBe('too_small');
    expect(answerProblem(n, 'douze', today)).toBe('not_a_number');
  });

  it('checks real dates and their range', () => {
    const birth = q({ type: 'date', range: 'past' });
    expect(answerProblem(birth, '1950-02-28', today)).toBeNull();
    expect(answerProblem(birth, '1950-02-30', today)).toBe('invalid_date');
    expect(answerProblem(birth, '2030-01-01', today)).toBe('date_in_future');
    expect(answerProblem(q({ type: 'date', range: 'future' }), '2020-01-01', today)).toBe('date_in_past');
  });

  it('checks choices', () => {
    const choices = [
      { id: 'a', label: { fr: 'A' } },
      { id: 'b', label: { fr: 'B' } }
    ];
    expect(answerProblem(q({ type: 'one_choice', choices }), 'c', today)).toBe('unknown_choice');
    expect(answerProblem(q({ type: 'multi_choice', choices, maxSelected: 1 }), ['a', 'b'], today)).toBe('too_many_choices');
    expect(answerProblem(q({ type: 'yes_no' }), 'oui', today)).toBe('wrong_type');
    expect(answerProblem(q({ type: 'yes_no' }), false, today)).toBeNull();
  });
});

describe('localize', () => {
  it('falls back to French', () => {
    expect(localize({ fr: 'Bonjour', ar: 'مرحبا' }, 'ar')).toBe('مرحبا');
    expect(localize({ fr: 'Bonjour' }, 'en')).toBe('Bonjour');
  });
});

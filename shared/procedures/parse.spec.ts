import { describe, expect, it } from 'vitest';
import { formatProblems, parseProcedure } from './parse';

const valid = `
id: exemple
version: 1
service: accueil
pictogram: info
title: { fr: Exemple }
summary: { fr: Un exemple. }
steps:
  - id: age
    kind: question
    type: yes_no
    label: { fr: Avez-vous 18 ans ? }
  - id: papiers
    kind: documents
    title: { fr: Papiers }
    documents:
      - id: parent
        when: { question: age, equals: false }
        label: { fr: Pièce d'un parent }
  - id: fin
    kind: review
    title: { fr: Vérifiez }
    nextSteps: { fr: Allez au guichet. }
`;

function problemsOf(source: string) {
  const parsed = parseProcedure(source);
  if (parsed.ok) throw new Error('expected problems');
  return parsed.problems;
}

describe('parseProcedure', () => {
  it('accepts a valid procedure and fills the defaults', () => {
    const parsed = parseProcedure(valid);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.procedure.agentFirst).toBe(false);
    const age = parsed.procedure.steps[0]!;
    expect(age.kind === 'question' && age.required && !age.sensitive).toBe(true);
  });

  it('reads JSON too', () => {
    const json = JSON.stringify((parseProcedure(valid) as { procedure: unknown }).procedure);
    expect(parseProcedure(json).ok).toBe(true);
  });

  it('refuses a way to submit: unknown keys are errors', () => {
    const problems = problemsOf(valid.replace('version: 1', 'version: 1\nsubmitTo: https://example.org/api'));
    // Shown at the unknown field's own line.
    expect(problems).toEqual([
      {
        path: 'submitTo',
        line: 4,
        code: 'unknown_field',
        params: { field: 'submitTo' },
        message: expect.stringContaining('submitTo')
      }
    ]);
  });

  it('requires the review as the last step', () => {
    const source = valid.replace(/ {2}- id: fin[\s\S]*$/, '');
    expect(problemsOf(source)).toContainEqual({
      path: 'steps.1.kind',
      line: 14,
      code: 'last_not_review',
      params: {},
      message: 'the last step must be a review (a procedure ends with an agent or at the counter)'
    });
  });

  it('requires French for every text', () => {
    const problems = problemsOf(valid.replace('title: { fr: Papiers }', 'title: { en: Papers }'));
    expect(problems).toContainEqual({
      path: 'steps.1.title.fr',
      line: 15,
      code: 'french_required',
      params: {},
      message: expect.stringMatching(/expected string/)
    });
  });

  it('refuses a condition on a later or unknown question, naming it', () => {
    const problems = problemsOf(valid.replace('question: age, equals: false', 'question: ville, equals: false'));
    expect(problems).toEqual([
      {
        path: 'steps.1.documents.0.when.question',
        line: 18,
        code: 'not_earlier_question',
        params: { question: 'ville' },
        message: '"ville" is not an earlier question'
      }
    ]);
  });

  it('refuses a comparison that cannot match the question', () => {
    const problems = problemsOf(valid.replace('equals: false', 'equals: "non"'));
    expect(problems[0]).toMatchObject({
      path: 'steps.1.documents.0.when.equals',
      code: 'compare_yes_no',
      params: { question: 'age' },
      message: '"age" is a yes/no question: compare with true or false'
    });
  });

  it('refuses duplicate step ids and an unknown step kind', () => {
    expect(problemsOf(valid.replace('id: papiers', 'id: age'))[0]).toMatchObject({
      path: 'steps.1.id',
      code: 'duplicate_step',
      params: { id: 'age', other: '0' },
      message: expect.stringContaining('duplicate step id "age"')
    });
    expect(problemsOf(valid.replace('kind: documents', 'kind: payment'))[0]).toMatchObject({
      path: 'steps.1.kind',
      line: 14,
      code: 'one_of',
      params: { values: 'explanation, question, documents, review' }
    });
  });

  it('reports YAML syntax errors with their line', () => {
    const problems = problemsOf('id: x\nsteps: [\n');
    expect(problems[0]).toMatchObject({ path: '(file)', code: 'yaml' });
    expect(problems[0]!.line).toBeGreaterThan(0);
    expect(problemsOf('id: x\nid: y\n')[0]).toMatchObject({ path: '(file)', line: 2, code: 'duplicate_key' });
  });

  it('refuses an alias expansion bomb', () => {
    // Each level doubles the one before: ten levels are 1,024 copies of one list.
    let source = 'id: x\na0: &a0 [lol, lol]\n';
    for (let i = 1; i <= 10; i++) source += `a${i}: &a${i} [*a${i - 1}, *a${i - 1}]\n`;
    expect(() => parseProcedure(source)).toThrow(/alias count/i);
  });

  it('formats problems as file:line: path: message', () => {
    const problem = { path: 'steps.1.id', line: 12, code: 'duplicate_step', params: {}, message: 'duplicate' } as const;
    expect(formatProblems('a.yaml', [problem])).toBe('a.yaml:12: steps.1.id: duplicate');
  });
});

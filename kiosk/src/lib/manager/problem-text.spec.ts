import { describe, expect, it } from 'vitest';
import { parseProcedure } from '../../../../shared/procedures/parse';
import type { ProcedureProblem } from '../../../../shared/procedures/problems';
import { problemText } from './problem-text';

const file = `id: Carte_Grise
version: 1
service: accueil
pictogram: fusee
title: { fr: Carte grise, EN: Car }
summary: { en: A card }
submitTo: https://example.org
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
        when: { question: age, equals: "non" }
        label: { fr: Pièce d'un parent }
`;

function problems(source: string): ProcedureProblem[] {
  const parsed = parseProcedure(source);
  if (parsed.ok) throw new Error('expected problems');
  return parsed.problems;
}

describe('a procedure problem in the console (French by default)', () => {
  it('says each problem of a file in French, at its line and field', () => {
    const said = problems(file).map((p) => `${p.line} ${p.path}: ${problemText(p)}`);
    expect(said).toEqual(
      expect.arrayContaining([
        "1 id: Un identifiant s'écrit en lettres minuscules, chiffres et tirets, et commence par une lettre.",
        expect.stringMatching(/^4 pictogram: Valeur inconnue\. Valeurs possibles : id-card, passport, .*person\.$/),
        "5 title.EN: « EN » n'est pas un code de langue (par exemple fr, en ou ar).",
        '6 summary.fr: Le texte en français manque : il est obligatoire.',
        "7 submitTo: Le champ « submitTo » n'existe pas dans le format des démarches."
      ])
    );
  });

  it("says the schema's own checks in French, naming the question", () => {
    const valid = file
      .replace('Carte_Grise', 'carte-grise')
      .replace('fusee', 'documents')
      .replace(', EN: Car', '')
      .replace('{ en: A card }', '{ fr: Une carte }')
      .replace('submitTo: https://example.org\n', '');
    const texts = problems(valid).map(problemText);
    expect(texts).toEqual([
      '« age » est une question oui/non : comparez avec true ou false.',
      'La dernière étape doit être un récapitulatif (review) : une démarche se termine toujours avec un agent ou au guichet.'
    ]);
  });

  it('says a syntax error and a missing field in French', () => {
    expect(problemText(problems('id: x\nsteps: [\n')[0]!)).toMatch(/^Le fichier ne se lit pas ici/);
    expect(problems('id: x\n').map(problemText)).toContain('Ce champ manque.');
    expect(problems('id: x\nversion: 1.5\n').map(problemText)).toContain('Il faut un nombre entier.');
  });

  it('falls back to the English message for a code it does not know', () => {
    const fromNewerServer = { code: 'newer_check', params: {}, message: 'something new' } as unknown as ProcedureProblem;
    expect(problemText(fromNewerServer)).toBe('something new');
  });
});

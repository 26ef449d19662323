/**
 * The shipped catalog speaks in plain words (FALC, docs in shared/product/ACCESSIBILITY.md): short
 * sentences, no list of prices packed in parentheses, no administrative word left unexplained,
 * and English and Arabic in step with French.
 */
import { describe, expect, it } from 'vitest';
import type { LocalizedText, Procedure } from '../../../shared/procedures/schema';
import { loadCatalog, shippedCatalogDir } from './catalog';

const { procedures } = loadCatalog(shippedCatalogDir);

/** Every localized text of a value, however deep. */
function textsOf(value: unknown): LocalizedText[] {
  if (Array.isArray(value)) return value.flatMap(textsOf);
  if (typeof value !== 'object' || value === null) return [];
  if (typeof (value as { fr?: unknown }).fr === 'string') return [value as LocalizedText];
  return Object.values(value).flatMap(textsOf);
}

/**
 * What a citizen reads together: a procedure's title and summary, each step without its
 * checklist, and each document of a checklist with its help. A word is explained where it appears,
 * so within one of these.
 */
function readingUnits(procedure: Procedure): { where: string; texts: LocalizedText[] }[] {
  const units = [{ where: procedure.id, texts: textsOf([procedure.title, procedure.summary]) }];
  for (const step of procedure.steps) {
    const { documents, ...rest } = step as typeof step & { documents?: { id: string }[] };
    units.push({ where: `${procedure.id}/${step.id}`, texts: textsOf(rest) });
    for (const doc of documents ?? []) units.push({ where: `${procedure.id}/${step.id}/${doc.id}`, texts: textsOf(doc) });
  }
  return units;
}

const sentences = (text: string) =>
  text
    .split(/\n|(?<=[.?!])\s+/)
    .map((s) => s.trim())
    .filter(Boolean);
const words = (sentence: string) => sentence.split(/\s+/).filter((w) => /[\p{L}\d]/u.test(w));

/** Administrative words a citizen may meet on a paper, each with the plain sentence that explains it. */
const explained: Record<'fr' | 'en', [word: RegExp, explanation: RegExp][]> = {
  fr: [
    [/quittance/i, /prouve que vous avez payé le loyer/],
    [/\bbail\b/i, /contrat de location/],
    [/taxe foncière/i, /taxe foncière est l'impôt que paient les propriétaires/],
    [/décret/i, /texte officiel/],
    [/filiation/i, /noms des parents/],
    [/timbre fiscal/i, /timbre fiscal sert à payer/],
    [/OFPRA/, /L'OFPRA est le service de l'État qui protège les réfugiés/]
  ],
  en: [
    [/rent receipt/i, /proves that you paid the rent/],
    [/\blease\b/i, /rental contract/],
    [/property tax/i, /property tax is the tax that owners pay/],
    [/decree/i, /official text/],
    [/parentage/i, /parents' names/],
    [/tax stamp/i, /tax stamp is how you pay/],
    [/OFPRA/, /OFPRA is the State office that protects refugees/]
  ]
};

/** Words that have a plainer way to be said, which the catalog uses instead. */
const avoided = [
  /événement/i,
  /périmé/i,
  /obtention/i,
  /agréée?/i,
  /apatride/i,
  /inscriptions aux examens sont bloquées/i,
  /\bOn prend\b/,
  // The site is named by its address, which a citizen can type.
  /site de l'ANTS/i
];

describe('the shipped catalog in plain words', () => {
  it('keeps every French sentence to 13 words at most', () => {
    const long = procedures.flatMap((p) =>
      textsOf(p)
        .flatMap((t) => sentences(t.fr))
        .filter((s) => words(s).length > 13)
        .map((s) => `${p.id}: ${s}`)
    );
    expect(long).toEqual([]);
  });

  it('never packs numbers in parentheses: each price or age gets its own sentence', () => {
    const packed = procedures.flatMap((p) =>
      textsOf(p)
        .flatMap((t) => Object.values(t))
        .filter((s) => /\([^)]*\d[^)]*\)/.test(s))
        .map((s) => `${p.id}: ${s}`)
    );
    expect(packed).toEqual([]);
  });

  it('says plain words instead of administrative ones', () => {
    const found = procedures.flatMap((p) =>
      textsOf(p).flatMap((t) => avoided.filter((word) => word.test(t.fr)).map((word) => `${p.id}: ${word} in « ${t.fr} »`))
    );
    expect(found).toEqual([]);
  });

  it('explains each administrative word where it appears, in French and English', () => {
    const unexplained: string[] = [];
    for (const procedure of procedures)
      for (const unit of readingUnits(procedure))
        for (const locale of ['fr', 'en'] as const) {
          const all = unit.texts.map((t) => t[locale] ?? '').join('\n');
          for (const [word, explanation] of explained[locale])
            if (word.test(all) && !explanation.test(all)) unexplained.push(`${unit.where} (${locale}): ${word}`);
        }
    expect(unexplained).toEqual([]);
  });

  it('gives websites by their address, in every language', () => {
    const missing = procedures.flatMap((p) =>
      textsOf(p).flatMap((t) =>
        Object.entries(t)
          .filter(
            ([, s]) => (/\bANTS\b/.test(s) && !s.includes('ants.gouv.fr')) || (/OFPRA/.test(s) && !s.includes('ofpra.gouv.fr'))
          )
          .map(([locale, s]) => `${p.id} (${locale}): ${s}`)
      )
    );
    expect(missing).toEqual([]);
  });

  it('keeps English and Arabic in step: one line for each French line', () => {
    const apart = procedures.flatMap((p) =>
      textsOf(p)
        .filter(
          (t) => t.fr.split('\n').length !== t.en?.split('\n').length || t.fr.split('\n').length !== t.ar?.split('\n').length
        )
        .map((t) => `${p.id}: ${t.fr.split('\n')[0]}`)
    );
    expect(apart).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { foldText, toPrintable } from './encode';

describe('foldText', () => {
  it('never starts a line with a French « ? », « ! », « : » or « ; »', () => {
    // 20 characters: « ? » would fall alone at the start of the second line.
    expect(foldText(toPrintable('Et après, que faire ?'), 20)).toEqual(['Et après, que', 'faire ?']);
    expect(foldText(toPrintable('Et après, que faire\u202f?'), 20)).toEqual(['Et après, que', 'faire ?']);
    expect(foldText('Pièces à apporter : un timbre', 17)).toEqual(['Pièces à', 'apporter : un', 'timbre']);
  });

  it('still breaks between words and cuts a word longer than the line', () => {
    expect(foldText('un deux trois', 7)).toEqual(['un deux', 'trois']);
    expect(foldText('abcdefghij ?', 4)).toEqual(['abcd', 'efgh', 'ij ?']);
  });
});

import { describe, expect, it } from 'vitest';
import { printWords } from './i18n';

describe('the printed « people before you »', () => {
  it('takes the plural form of each language for 0, 1, 2, 5, 11 and 100', () => {
    const counts = [0, 1, 2, 5, 11, 100];
    expect(counts.map(printWords.fr.peopleAhead)).toEqual([
      'Personne avant vous',
      '1 personne avant vous',
      '2 personnes avant vous',
      '5 personnes avant vous',
      '11 personnes avant vous',
      '100 personnes avant vous'
    ]);
    expect(counts.map(printWords.en.peopleAhead)).toEqual([
      'Nobody before you',
      '1 person before you',
      '2 people before you',
      '5 people before you',
      '11 people before you',
      '100 people before you'
    ]);
    expect(counts.map(printWords.ar.peopleAhead)).toEqual([
      'لا أحد قبلك',
      'شخص واحد قبلك',
      'شخصان قبلك',
      '5 أشخاص قبلك',
      '11 شخصًا قبلك',
      '100 شخص قبلك'
    ]);
  });
});

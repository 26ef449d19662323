/**
 * Every message that shows a count takes the plural form of its language (Intl.PluralRules through
 * the translation layer): French takes the singular for 0 and 1, English for 1 only, and Arabic has
 * six forms (zero, one, two, few 3–10, many 11–99, other 100…).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { m } from './paraglide/messages';
import { formatDuration } from './kiosk/durations';
import { overwriteGetLocale } from './paraglide/runtime';

const counts = [0, 1, 2, 5, 11, 100] as const;
type Locale = 'fr' | 'en' | 'ar';

function forms(message: (n: number, locale: Locale) => string, locale: Locale): string[] {
  return counts.map((n) => message(n, locale));
}

describe('counts in French, English and Arabic', () => {
  it('the call card’s « Attend depuis … » and every wait in seconds or minutes', () => {
    const seconds = (n: number, locale: Locale) => m.duration_seconds({ n: String(n) }, { locale });
    expect(forms(seconds, 'fr')).toEqual(['0 seconde', '1 seconde', '2 secondes', '5 secondes', '11 secondes', '100 secondes']);
    expect(forms(seconds, 'en')).toEqual(['0 seconds', '1 second', '2 seconds', '5 seconds', '11 seconds', '100 seconds']);
    expect(forms(seconds, 'ar')).toEqual(['0 ثانية', 'ثانية واحدة', 'ثانيتان', '5 ثوانٍ', '11 ثانية', '100 ثانية']);
    const minutes = (n: number, locale: Locale) => m.duration_minutes({ n: String(n) }, { locale });
    expect(forms(minutes, 'fr')).toEqual(['0 minute', '1 minute', '2 minutes', '5 minutes', '11 minutes', '100 minutes']);
    expect(forms(minutes, 'en')).toEqual(['0 minutes', '1 minute', '2 minutes', '5 minutes', '11 minutes', '100 minutes']);
    expect(forms(minutes, 'ar')).toEqual(['0 دقيقة', 'دقيقة واحدة', 'دقيقتان', '5 دقائق', '11 دقيقة', '100 دقيقة']);
    // The card's own sentence, as the tablet builds it.
    expect(m.agent_call_waiting({ duration: m.duration_seconds({ n: '1' }, { locale: 'fr' }) }, { locale: 'fr' })).toBe(
      'Attend depuis 1 seconde'
    );
  });

  it('formatDuration, which the call card and the kiosk’s usual wait use, follows the page’s language', () => {
    let locale: Locale = 'fr';
    overwriteGetLocale(() => locale);
    expect([0, 1, 0.4, 30, 60, 61].map(formatDuration)).toEqual([
      '0 seconde',
      '1 seconde',
      '0 seconde',
      '30 secondes',
      '1 minute',
      '1 minute'
    ]);
    locale = 'ar';
    expect([2, 5, 120].map(formatDuration)).toEqual(['ثانيتان', '5 ثوانٍ', 'دقيقتان']);
  });

  it('people and agents', () => {
    const ahead = (n: number, locale: Locale) => m.ticket_people_ahead({ count: String(n) }, { locale });
    expect(forms(ahead, 'fr')).toEqual([
      '0 personne avant vous',
      '1 personne avant vous',
      '2 personnes avant vous',
      '5 personnes avant vous',
      '11 personnes avant vous',
      '100 personnes avant vous'
    ]);
    expect(forms(ahead, 'en')[1]).toBe('1 person before you');
    expect(forms(ahead, 'ar')).toEqual([
      'لا أحد قبلك',
      'شخص واحد قبلك',
      'شخصان قبلك',
      '5 أشخاص قبلك',
      '11 شخصًا قبلك',
      '100 شخص قبلك'
    ]);
    const agents = (n: number, locale: Locale) => m.call_agents_available({ count: String(n) }, { locale });
    expect(forms(agents, 'fr').slice(0, 3)).toEqual([
      '0 agent est disponible en ce moment.',
      '1 agent est disponible en ce moment.',
      '2 agents sont disponibles en ce moment.'
    ]);
    expect(forms(agents, 'en').slice(1, 3)).toEqual(['1 agent is free right now.', '2 agents are free right now.']);
    expect(forms(agents, 'ar')).toEqual([
      'لا يوجد موظف متاح الآن.',
      'يوجد موظف واحد متاح الآن.',
      'يوجد موظفان متاحان الآن.',
      'يوجد 5 موظفين متاحين الآن.',
      'يوجد 11 موظفًا متاحًا الآن.',
      'يوجد 100 موظف متاح الآن.'
    ]);
    const waiting = (n: number, locale: Locale) => m.kiosk_ticket_waiting_many({ count: String(n) }, { locale });
    expect(forms(waiting, 'fr').slice(1, 3)).toEqual(['1 personne attend.', '2 personnes attendent.']);
    expect(forms(waiting, 'ar').slice(2, 5)).toEqual(['شخصان ينتظران.', '5 أشخاص ينتظرون.', '11 شخصًا ينتظرون.']);
  });

  it('the inactivity delays, printer jobs, retention days, steps and limits', () => {
    expect(forms((n, locale) => m.idle_text({ seconds: String(n) }, { locale }), 'fr').slice(0, 3)).toEqual([
      'Sans réponse, tout sera effacé dans 0 seconde.',
      'Sans réponse, tout sera effacé dans 1 seconde.',
      'Sans réponse, tout sera effacé dans 2 secondes.'
    ]);
    expect(m.idle_text({ seconds: '11' }, { locale: 'ar' })).toBe('بدون رد، سيُمسح كل شيء بعد 11 ثانية.');
    expect(m.idle_text({ seconds: '5' }, { locale: 'ar' })).toBe('بدون رد، سيُمسح كل شيء بعد 5 ثوانٍ.');
    expect(m.kiosk_idle_info({ seconds: '1' }, { locale: 'en' })).toBe(
      'If you do not touch the screen for 1 second, the kiosk erases everything.'
    );
    expect(forms((n, locale) => m.printer_waiting_jobs({ count: String(n) }, { locale }), 'fr').slice(1, 3)).toEqual([
      '1 impression en attente',
      '2 impressions en attente'
    ]);
    expect(m.printer_waiting_jobs({ count: '2' }, { locale: 'ar' })).toBe('طباعتان في الانتظار');
    expect(m.manager_retention_days({ count: '1' }, { locale: 'fr' })).toBe('après 1 jour');
    expect(m.manager_retention_days({ count: '7' }, { locale: 'en' })).toBe('after 7 days');
    expect(m.procedures_check_ok({ steps: '1' }, { locale: 'fr' })).toBe('Le fichier est correct : 1 étape.');
    expect(m.procedure_problem_min_items({ minimum: '1' }, { locale: 'fr' })).toBe('Il faut au moins 1 élément ici.');
    expect(m.procedure_problem_max_items({ maximum: '100' }, { locale: 'ar' })).toBe('يُسمح بـ 100 عنصر على الأكثر هنا.');
    expect(m.procedure_problem_max_length({ maximum: '1' }, { locale: 'en' })).toBe(
      'This text must be at most 1 character long.'
    );
    // « {minutes} min » does not change in French or English; Arabic says the minutes in words.
    const wait = (n: number) => m.error_too_many_attempts_wait({ minutes: String(n) }, { locale: 'ar' });
    expect(counts.map((n) => (wait(n).split('.')[1] ?? '').trim())).toEqual([
      'حاول مرة أخرى أو اطلب من مسؤول الموقع إلغاء حظر الحساب',
      'حاول بعد دقيقة واحدة أو اطلب من مسؤول الموقع إلغاء حظر الحساب',
      'حاول بعد دقيقتين أو اطلب من مسؤول الموقع إلغاء حظر الحساب',
      'حاول بعد 5 دقائق أو اطلب من مسؤول الموقع إلغاء حظر الحساب',
      'حاول بعد 11 دقيقة أو اطلب من مسؤول الموقع إلغاء حظر الحساب',
      'حاول بعد 100 دقيقة أو اطلب من مسؤول الموقع إلغاء حظر الحساب'
    ]);
    // The chart's description gives its counts after a colon, right for any number in every language.
    const chart = { first: '8', last: '18', hour: '10', calls: '1', tickets: '0' };
    expect(m.stats_chart_alt(chart, { locale: 'fr' })).toContain('Heure la plus chargée : 10 h (appels : 1, tickets : 0).');
    expect(m.stats_chart_alt(chart, { locale: 'en' })).toContain('Busiest hour: 10:00 (calls: 1, tickets: 0).');
  });

  it('no French message with a count is left with a « (s) »', () => {
    const fr = JSON.parse(readFileSync(new URL('../../messages/fr.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    const flat = Object.entries(fr).filter(([, v]) => typeof v === 'string') as [string, string][];
    const guessed = flat.filter(([, text]) => /\(s\)/.test(text)).map(([key]) => key);
    expect(guessed).toEqual([]);
  });
});

/**
 * The printed words, in each kiosk language. Receipt printers only print what their code page
 * holds (PC858: Western European), so a receipt is printed in the citizen's language when it is
 * written in Latin script, and in French otherwise; the A4 summary is always in their language.
 */
const printLocales = ['fr', 'en', 'ar'] as const;
export type PrintLocale = (typeof printLocales)[number];

const latinScript: ReadonlySet<string> = new Set(['fr', 'en']);

export function asPrintLocale(locale: string): PrintLocale {
  return (printLocales as readonly string[]).includes(locale) ? (locale as PrintLocale) : 'fr';
}

/** The language a receipt is printed in for a citizen using `locale` on the kiosk. */
export function receiptLocale(locale: string): PrintLocale {
  return latinScript.has(locale) ? asPrintLocale(locale) : 'fr';
}

/** Arabic counts take one of six forms (the kiosk's messages use the same rules). */
const arabicPlural = new Intl.PluralRules('ar');
const arabicPeopleAhead: Record<Exclude<Intl.LDMLPluralRule, 'zero'>, (n: number) => string> = {
  one: () => 'شخص واحد قبلك',
  two: () => 'شخصان قبلك',
  few: (n) => `${n} أشخاص قبلك`,
  many: (n) => `${n} شخصًا قبلك`,
  other: (n) => `${n} شخص قبلك`
};

export interface PrintWords {
  duplicate: string;
  yourNumber: string;
  priority: string;
  peopleAhead: (n: number) => string;
  waitHere: string;
  summary: string;
  prepared: string;
  documents: string;
  nextSteps: string;
  counter: string;
  phone: string;
  hours: string;
  reference: string;
  helpedBy: (name: string) => string;
  keepThis: string;
  summaryInLanguage: string;
  yes: string;
  no: string;
  closed: string;
}

export const printWords: Record<PrintLocale, PrintWords> = {
  fr: {
    duplicate: 'DUPLICATA',
    yourNumber: 'Votre numéro',
    priority: 'Prioritaire',
    peopleAhead: (n) => (n === 0 ? 'Personne avant vous' : n === 1 ? '1 personne avant vous' : `${n} personnes avant vous`),
    waitHere: "Attendez dans le hall : votre numéro s'affiche à l'écran et il est annoncé.",
    summary: 'Récapitulatif',
    prepared: 'Ce que vous avez préparé',
    documents: 'Papiers à apporter',
    nextSteps: 'Et ensuite ?',
    counter: 'Où aller',
    phone: 'Téléphone',
    hours: 'Horaires',
    reference: 'Référence',
    helpedBy: (name) => `Avec l'aide de ${name}`,
    keepThis: 'Gardez ce papier. Montrez-le au guichet.',
    summaryInLanguage: 'Un récapitulatif dans votre langue peut être imprimé sur une feuille A4.',
    yes: 'Oui',
    no: 'Non',
    closed: 'fermé'
  },
  en: {
    duplicate: 'DUPLICATE',
    yourNumber: 'Your number',
    priority: 'Priority',
    peopleAhead: (n) => (n === 0 ? 'Nobody before you' : n === 1 ? '1 person before you' : `${n} people before you`),
    waitHere: 'Wait in the hall: your number is shown on the screen and called out.',
    summary: 'Summary',
    prepared: 'What you prepared',
    documents: 'Papers to bring',
    nextSteps: 'What next?',
    counter: 'Where to go',
    phone: 'Phone',
    hours: 'Opening hours',
    reference: 'Reference',
    helpedBy: (name) => `With help from ${name}`,
    keepThis: 'Keep this paper. Show it at the counter.',
    summaryInLanguage: 'A summary in your language can be printed on an A4 sheet.',
    yes: 'Yes',
    no: 'No',
    closed: 'closed'
  },
  ar: {
    duplicate: 'نسخة ثانية',
    yourNumber: 'رقمك',
    priority: 'أولوية',
    peopleAhead: (n) => arabicPeopleAhead[arabicPlural.select(n) as Exclude<Intl.LDMLPluralRule, 'zero'>]?.(n) ?? 'لا أحد قبلك',
    waitHere: 'انتظر في القاعة: يظهر رقمك على الشاشة ويُنادى به.',
    summary: 'ملخص',
    prepared: 'ما حضّرته',
    documents: 'الوثائق التي يجب إحضارها',
    nextSteps: 'ماذا بعد؟',
    counter: 'إلى أين تذهب',
    phone: 'الهاتف',
    hours: 'أوقات العمل',
    reference: 'المرجع',
    helpedBy: (name) => `بمساعدة ${name}`,
    keepThis: 'احتفظ بهذه الورقة. أظهرها في الشباك.',
    summaryInLanguage: 'يمكن طباعة ملخص بلغتك على ورقة A4.',
    yes: 'نعم',
    no: 'لا',
    closed: 'مغلق'
  }
};

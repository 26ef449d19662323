/**
 * What a printed summary says, from a procedure and its answers: what was prepared (choices only —
 * never typed text, dates or sensitive answers, so a lost paper reveals as little as possible), the
 * documents to bring, and the next steps. Shared by the summary receipt and the A4 summary.
 */
import { localize, visibleDocuments, visibleSteps, type Answers } from '../../shared/procedures/answers';
import type { Procedure } from '../../shared/procedures/schema';
import { weekdayName } from '../../shared/opening-hours';
import { weekdays } from '../../shared/calendar';
import type { OpeningHours } from '../../shared/schemas/site';
import type { SummaryDocument } from '../documents';
import { asPrintLocale, printWords } from '../i18n';

export interface SummaryContent {
  procedureTitle: string;
  prepared: { label: string; value: string }[];
  documents: string[];
  nextSteps: string[];
}

export function summaryContent(procedure: Procedure, answers: Answers, locale: string): SummaryContent {
  const words = printWords[asPrintLocale(locale)];
  const prepared: SummaryContent['prepared'] = [];
  const documents: string[] = [];
  const nextSteps: string[] = [];
  for (const step of visibleSteps(procedure, answers)) {
    if (step.kind === 'documents') {
      for (const doc of visibleDocuments(step, answers)) documents.push(localize(doc.label, locale));
    } else if (step.kind === 'review') {
      nextSteps.push(
        ...localize(step.nextSteps, locale)
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean)
      );
    } else if (step.kind === 'question' && !step.sensitive) {
      const value = answers[step.id];
      if (value === undefined) continue;
      const label = localize(step.label, locale);
      if (step.type === 'yes_no' && typeof value === 'boolean') prepared.push({ label, value: value ? words.yes : words.no });
      else if (step.type === 'one_choice' && typeof value === 'string') {
        const choice = step.choices.find((c) => c.id === value);
        if (choice) prepared.push({ label, value: localize(choice.label, locale) });
      } else if (step.type === 'multi_choice' && Array.isArray(value)) {
        const chosen = step.choices.filter((c) => value.includes(c.id)).map((c) => localize(c.label, locale));
        if (chosen.length > 0) prepared.push({ label, value: chosen.join(', ') });
      }
    }
  }
  return { procedureTitle: localize(procedure.title, locale), prepared, documents, nextSteps };
}

/** « Lundi : 08:30–12:00, 13:30–17:00 », one line per day, in the given language. */
export function formatOpeningHours(hours: OpeningHours, locale: string): string[] {
  const words = printWords[asPrintLocale(locale)];
  if (Object.keys(hours).length === 0) return [];
  const lines: string[] = [];
  for (const d of weekdays) {
    const ranges = hours[d] ?? [];
    const name = weekdayName(d, locale);
    const capitalised = name.charAt(0).toLocaleUpperCase(locale) + name.slice(1);
    lines.push(`${capitalised} : ${ranges.length ? ranges.map(([a, b]) => `${a}–${b}`).join(', ') : words.closed}`);
  }
  return lines;
}

/** The date and time a summary or ticket is printed, in the site's time zone and the reader's language. */
export function formatPrintDate(at: Date, locale: string, timezone: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: timezone }).format(at);
}

export interface SummarySite {
  name: string;
  address: string;
  phone: string;
  timezone: string;
  openingHours: OpeningHours;
}

/** The A4 summary document, wholly in the citizen's language. */
export function summaryDocument(input: {
  procedure: Procedure;
  answers: Answers;
  locale: string;
  site: SummarySite;
  reference: string;
  agentName: string | null;
  at: Date;
  duplicate: boolean;
}): SummaryDocument {
  const locale = asPrintLocale(input.locale);
  const words = printWords[locale];
  const content = summaryContent(input.procedure, input.answers, locale);
  return {
    lang: locale,
    dir: locale === 'ar' ? 'rtl' : 'ltr',
    title: words.summary,
    duplicateLabel: input.duplicate ? words.duplicate : null,
    siteName: input.site.name,
    procedureTitle: content.procedureTitle,
    date: formatPrintDate(input.at, locale, input.site.timezone),
    referenceLabel: words.reference,
    reference: input.reference,
    preparedHeading: words.prepared,
    prepared: content.prepared,
    documentsHeading: words.documents,
    documents: content.documents,
    nextStepsHeading: words.nextSteps,
    nextSteps: content.nextSteps,
    counterHeading: words.counter,
    counter: {
      address: input.site.address,
      phone: `${words.phone} : ${input.site.phone}`,
      hours: formatOpeningHours(input.site.openingHours, locale)
    },
    helpedBy: input.agentName ? words.helpedBy(input.agentName) : null
  };
}

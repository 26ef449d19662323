/**
 * Text that reaches a printer comes from people: site names, addresses, procedure titles, answers.
 * A control character in it would be taken by the printer as a command (ESC @ resets it, GS V cuts
 * the paper) or start a line the layout did not make. Every text of a document goes through here
 * before it is encoded (ESC/POS or PDF): the layouts make the lines, never the texts inside them.
 */

/** Characters that break a line or a word: one space keeps the words on either side apart. */
const SEPARATORS = /[\t\n\v\f\r\u0085\u2028\u2029]+/g;
/** C0 controls, DEL and C1 controls (U+0000-U+001F, U+007F-U+009F): Unicode's Cc category. */
const CONTROLS = /\p{Cc}/gu;

export function withoutControls(text: string): string {
  return text.replace(SEPARATORS, ' ').replace(CONTROLS, '');
}

/** The same document with every string in it cleaned (documents are plain data: arrays and objects). */
export function documentWithoutControls<T>(value: T): T {
  if (typeof value === 'string') return withoutControls(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => documentWithoutControls(item)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, documentWithoutControls(item)])) as T;
  }
  return value;
}

/**
 * What the manager console and the kiosk preview frame tell each other (window messages, same
 * origin only). The frame is a page of its own so the kiosk's screens run there exactly as in the
 * hall, in their own language and direction, without touching the console's.
 */
import type { Procedure } from '$shared/procedures/schema';
import { sessionLocales, type SessionLocale } from '$shared/schemas/session';

/** Console → frame. */
export type ToPreview =
  /** Shows this procedure (from its tile on the catalog, or the same step if it still exists). */
  | {
      kind: 'show';
      procedure: Procedure;
      locale: SessionLocale;
      siteName: string;
      timezone: string;
      idleSeconds: number;
    }
  | { kind: 'locale'; locale: SessionLocale }
  /** Previous or next screen, without checking the answers (the manager is reading, not filling in). */
  | { kind: 'move'; by: -1 | 1 }
  | { kind: 'restart' };

/** Frame → console. */
export type FromPreview =
  | { kind: 'ready' }
  /** Where the preview is: `index` counts the catalog tile as 0 and the steps shown from 1. */
  | { kind: 'position'; index: number; total: number }
  /** The language chosen on the kiosk's own bar, in the frame. */
  | { kind: 'locale'; locale: SessionLocale }
  /** A button that, on a real kiosk, would call an agent, print, give a ticket or read aloud. */
  | { kind: 'action'; action: PreviewAction };

export type PreviewAction = 'agent' | 'print' | 'ticket' | 'speech';

/** The kiosk languages a file is written in (French always): the languages the preview offers. */
export function previewLanguages(procedure: Procedure): SessionLocale[] {
  return sessionLocales.filter((l) => l === 'fr' || l in procedure.title);
}

const channel = 'guichet:procedure-preview';

export function post(target: Window, message: ToPreview | FromPreview): void {
  target.postMessage({ channel, message }, window.location.origin);
}

/** The message of a window event, if it comes from this origin and this channel (and `source`, when given). */
export function received<T extends ToPreview | FromPreview>(event: MessageEvent, source?: Window | null): T | null {
  if (event.origin !== window.location.origin || (source !== undefined && event.source !== source)) return null;
  const data = event.data as { channel?: unknown; message?: unknown } | null;
  return data && data.channel === channel && typeof data.message === 'object' ? (data.message as T) : null;
}

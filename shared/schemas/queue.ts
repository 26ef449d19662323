/**
 * The queue: services (a letter, a name), counters (where an agent calls tickets), and calls as
 * the hall display announces them. Tickets carry no name anywhere: a number, a service, times.
 */
import { z } from '../zod';
import { openingHoursSchema, type OpeningHours } from './site';

const id = z.string().min(1).max(100);
const serviceId = z.string().regex(/^[a-z][a-z0-9-]{0,47}$/, 'a service id');
/** « T-042 »: the service's letter and the day's number. */
export const ticketLabel = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]-?\d{1,3}$/, 'a ticket number like T-042');

export interface ServiceView {
  id: string;
  prefix: string;
  name: string;
  /** Tickets waiting now, priority ones included. */
  waiting: number;
  priorityWaiting: number;
  /** Its own hours; empty: the site's. */
  openingHours: OpeningHours;
  /** Taking a ticket for it is possible now. */
  open: boolean;
}

/** One service's waiting counts: all a kiosk follows between two loads of its list. */
export type ServiceCount = Pick<ServiceView, 'id' | 'waiting' | 'priorityWaiting' | 'open'>;

/**
 * What the site's terminals (kiosks, hall display) hear when the queue changes: counts only, no
 * ticket number, no counter. `listChanged` says a service was added or renamed: ask for the list again.
 */
export interface QueueCounts {
  services: ServiceCount[];
  listChanged: boolean;
}

/** A ticket being served, or just called, at a counter. */
export interface CounterTicket {
  id: string;
  label: string;
  service: string;
  priority: boolean;
  calledAt: string;
}

export interface CounterView {
  id: string;
  name: string;
  /** The services this counter calls from now (chosen at the counter). */
  services: string[];
  current: CounterTicket | null;
}

export interface QueueState {
  services: ServiceView[];
  counters: CounterView[];
  /** After this many regular tickets, a waiting priority ticket goes next. */
  priorityEvery: number;
}

/** One announcement on the hall display: a ticket called (or called again) to a counter. */
export interface CallView {
  /** Increases with each announcement: the display never shows the same one twice as new. */
  seq: number;
  ticketId: string;
  label: string;
  service: string;
  serviceName: string;
  counterName: string;
  recall: boolean;
  at: string;
}

export interface DisplayState {
  /** The latest calls, newest first. */
  recent: CallView[];
  services: ServiceView[];
  /** Languages the calls are spoken in: French first, then the one the manager chose. */
  announceLocales: ('fr' | 'en' | 'ar')[];
}

export const counterRefInput = z.object({ counterId: id }).strict();
export const counterServicesInput = z.object({ counterId: id, services: z.array(serviceId).max(20) }).strict();
export const counterNextInput = z.object({ counterId: id, requestId: id }).strict();
export const counterCallInput = z.object({ counterId: id, label: ticketLabel }).strict();
export const counterTransferInput = z
  .object({
    counterId: id,
    /** To another service: same number, back in that service's queue at its original place. */
    toService: serviceId.optional(),
    /** To another counter: same number, called next there. */
    toCounterId: id.optional()
  })
  .strict()
  .refine((v) => (v.toService ? 1 : 0) + (v.toCounterId ? 1 : 0) === 1, {
    message: 'give either toService or toCounterId',
    path: ['toService']
  });
/** An agent takes a ticket for someone at the desk (printed on the hall's shared printer). */
export const ticketIssueInput = z.object({ requestId: id, service: serviceId, priority: z.boolean().default(false) }).strict();

/** The manager's queue rules: the priority rhythm, and the display's second spoken language. */
export const queueSettingsInput = z
  .object({
    priorityEvery: z.number().int().min(1).max(10),
    announceLocale: z.enum(['en', 'ar']).nullable()
  })
  .strict();
export type QueueSettings = z.infer<typeof queueSettingsInput>;

/** The manager adds or changes a service: its letter, its name, its hours (empty: the site's). */
export const serviceSaveInput = z
  .object({
    id: serviceId,
    prefix: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]$/, 'one letter, A to Z'),
    name: z.string().trim().min(1, 'a name is required').max(60),
    openingHours: openingHoursSchema.default({})
  })
  .strict();

/** The manager adds a counter (no `id`) or renames one; the name is what the display says. */
export const counterSaveInput = z
  .object({ id: id.optional(), name: z.string().trim().min(1, 'a name is required').max(40) })
  .strict();

import { z } from 'zod';

const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'a time is HH:MM');
/** Weekly opening hours: ISO weekday ("1" Monday … "7" Sunday) → opening ranges. Empty: not set. */
export const openingHoursSchema = z.partialRecord(
  z.enum(['1', '2', '3', '4', '5', '6', '7']),
  z.array(z.tuple([time, time]).refine(([a, b]) => a < b, 'a range closes after it opens')).max(4)
);
export type OpeningHours = z.infer<typeof openingHoursSchema>;

/** Hours as stored (JSON). One that no longer parses closes nothing: better open than a dead end. */
export function parseStoredHours(json: string): OpeningHours {
  try {
    const parsed = openingHoursSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

export const siteInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  address: z.string(),
  phone: z.string(),
  timezone: z.string(),
  receptionHint: z.string(),
  openingHours: openingHoursSchema,
  /** Help-call escalation: ring busy agents too after `widenSeconds`, give up after `giveUpSeconds`. */
  calls: z.object({ widenSeconds: z.number(), giveUpSeconds: z.number() }),
  /** Days an ended session's answers and notes are kept after the day it ended (0: until its end). */
  retentionDays: z.number()
});
export type SiteInfo = z.infer<typeof siteInfoSchema>;

/** How long an ended session's answers and notes are kept: days after the day it ended (0: until its end). */
export const retentionInput = z.object({ days: z.number().int().min(0).max(90) }).strict();

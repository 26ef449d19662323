/**
 * The week and the default time zone, without zod: the kiosk's first load shows opening hours, and
 * importing them from the site schemas would ship the whole schema library with it.
 */

/** The ISO weekdays, "1" Monday … "7" Sunday, in the order a week is shown. */
export const weekdays = ['1', '2', '3', '4', '5', '6', '7'] as const;
export type Weekday = (typeof weekdays)[number];

/** A site's time zone until its manager sets one: the one Guichet was first installed for. */
export const defaultTimeZone = 'Europe/Paris';

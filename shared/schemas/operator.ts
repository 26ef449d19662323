/**
 * The operators' console (`/exploitation`): the hosting organisation creates sites, hands each its
 * first manager's setup code, suspends and resumes them, and sees their health — counts and
 * times only, never a citizen's data, a name of staff or a log line.
 */
import { z } from '../zod';
import { managerPasswordSchema } from './auth';
import { accountLoginSchema, firstNameSchema, setupCodeSchema, timeZoneSchema } from './account';

export const operatorLoginInput = z
  .object({ login: z.string().trim().min(1, 'required').max(60), password: z.string().min(1, 'required').max(200) })
  .strict();
export type OperatorLoginInput = z.infer<typeof operatorLoginInput>;

export const operatorSiteCreateInput = z
  .object({
    name: z.string().trim().min(2, 'at least 2 characters').max(80),
    timezone: timeZoneSchema
  })
  .strict();
export type OperatorSiteCreateInput = z.infer<typeof operatorSiteCreateInput>;

export const operatorSiteSuspendInput = z.object({ reason: z.string().trim().max(200).default('') }).strict();

/** The first manager of a site an operator created: the code the operator handed over, and who they are. */
export const siteSetupInput = z
  .object({
    code: setupCodeSchema,
    firstName: firstNameSchema,
    login: accountLoginSchema,
    password: managerPasswordSchema
  })
  .strict();
export type SiteSetupInput = z.infer<typeof siteSetupInput>;

/** One site as an operator sees it. */
export interface OperatorSiteView {
  id: string;
  name: string;
  timezone: string;
  isDemo: boolean;
  createdAt: string;
  suspendedAt: string | null;
  suspendedReason: string;
  /** Whether the site has an active manager yet (false: its setup code is still to be used). */
  hasManager: boolean;
  health: {
    kiosksOnline: number;
    displaysOnline: number;
    tabletsConnected: number;
    callsRinging: number;
    ticketsWaiting: number;
    printJobsPending: number;
    printerFaultsOpen: number;
    lastActivityAt: string | null;
  };
}

/**
 * Staff accounts as a site manager manages them (agents with a PIN, managers with a password), and
 * the first-start setup that creates a real installation's site and its first manager.
 */
import { z } from '../zod';
import { agentPinSchema, managerPasswordSchema } from './auth';
import { defaultTimeZone } from '../calendar';

/** A login is typed on a tablet: no spaces, nothing that looks alike once printed. */
export const accountLoginSchema = z
  .string()
  .trim()
  .min(2, 'at least 2 characters')
  .max(60)
  .regex(/^[\p{L}\p{N}._@-]+$/u, 'letters, digits, dot, dash, underscore or @, no spaces');

export const firstNameSchema = z.string().trim().min(1, 'required').max(60);

export const accountRoleSchema = z.enum(['agent', 'manager']);

/** An agent gets a PIN, a manager a password: the same rules as at login. */
export function secretSchemaFor(role: z.infer<typeof accountRoleSchema>) {
  return role === 'agent' ? agentPinSchema : managerPasswordSchema;
}

export const accountCreateInput = z.discriminatedUnion('role', [
  z.object({ role: z.literal('agent'), login: accountLoginSchema, firstName: firstNameSchema, secret: agentPinSchema }).strict(),
  z
    .object({ role: z.literal('manager'), login: accountLoginSchema, firstName: firstNameSchema, secret: managerPasswordSchema })
    .strict()
]);

export const accountUpdateInput = z
  .object({
    accountId: z.string().min(1).max(100),
    firstName: firstNameSchema.optional(),
    active: z.boolean().optional()
  })
  .strict()
  .refine((v) => v.firstName !== undefined || v.active !== undefined, 'change the first name or the active state');

/** The secret's rule depends on the account's role, which only the server knows: it checks it again. */
export const accountResetSecretInput = z
  .object({ accountId: z.string().min(1).max(100), secret: z.string().min(1, 'required').max(200) })
  .strict();

export const accountUnlockInput = z.object({ accountId: z.string().min(1).max(100) }).strict();

/** @public The shape the server sends; the code uses its type. */
export const accountViewSchema = z.object({
  id: z.string(),
  role: accountRoleSchema,
  login: z.string(),
  firstName: z.string(),
  active: z.boolean(),
  createdAt: z.string(),
  /** Failed logins block it for now, from some address or from all: a manager may unlock it. */
  locked: z.boolean(),
  /** An agent whose PIN has fewer digits than the site now requires (or an unknown number): to reset. */
  pinTooShort: z.boolean()
});
export type AccountView = z.infer<typeof accountViewSchema>;

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export const timeZoneSchema = z.string().trim().min(1).max(60).refine(isTimeZone, 'a time zone such as Europe/Paris');

/** The setup code is read off a console: case, spaces and dashes do not matter. */
export const setupCodeSchema = z
  .string()
  .max(40)
  .transform((v) => v.toUpperCase().replace(/[\s-]/g, ''))
  .pipe(z.string().min(1, 'required'));

export const setupInput = z
  .object({
    code: setupCodeSchema,
    siteName: z.string().trim().min(2, 'at least 2 characters').max(80),
    timezone: timeZoneSchema.default(defaultTimeZone),
    firstName: firstNameSchema,
    login: accountLoginSchema,
    password: managerPasswordSchema
  })
  .strict();
export type SetupInput = z.infer<typeof setupInput>;

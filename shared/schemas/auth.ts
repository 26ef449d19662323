import { z } from '../zod';

export const agentPinSchema = z.string().regex(/^\d{4,8}$/, 'a PIN is 4 to 8 digits');
export const managerPasswordSchema = z.string().min(10, 'at least 10 characters').max(200);

/**
 * Logins are unique per site. The form names the site when the server has several (then it is
 * required); a server with one site does not ask.
 */
const loginSiteId = z.string().trim().min(1).max(64).optional();

export const loginInput = z.discriminatedUnion('face', [
  z
    .object({ face: z.literal('agent'), siteId: loginSiteId, login: z.string().trim().min(1).max(60), secret: agentPinSchema })
    .strict(),
  z
    .object({
      face: z.literal('manager'),
      siteId: loginSiteId,
      login: z.string().trim().min(1).max(60),
      secret: z.string().min(1).max(200)
    })
    .strict()
]);
export type LoginInput = z.infer<typeof loginInput>;

export const logoutInput = z.object({ face: z.enum(['agent', 'manager']) }).strict();

/** @public The shape the server sends; the code uses its type. */
export const meSchema = z.object({
  accountId: z.string(),
  role: z.enum(['agent', 'manager']),
  login: z.string(),
  firstName: z.string(),
  siteId: z.string(),
  expiresAt: z.string()
});
export type Me = z.infer<typeof meSchema>;

/** A site the login form offers when the installation has several (site names are public). */
export interface LoginSite {
  id: string;
  name: string;
}

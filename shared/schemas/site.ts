import { z } from 'zod';

export const siteInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  address: z.string(),
  phone: z.string(),
  timezone: z.string()
});
export type SiteInfo = z.infer<typeof siteInfoSchema>;

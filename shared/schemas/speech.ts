import { z } from '../zod';

export const speechInput = z
  .object({
    text: z.string().trim().min(1).max(1000),
    lang: z.enum(['fr', 'en', 'ar'])
  })
  .strict();

import { z } from 'zod';
import { CrmIdSchema } from './crm.ts';

/** The buying company (HubSpot company, Salesforce Account). */
export const AccountSchema = z.object({
  id: CrmIdSchema,
  name: z.string(),
  industry: z.string().nullable(),
  employees: z.number().int().nonnegative().nullable(),
  annualRevenue: z.number().nonnegative().nullable(),
});
export type Account = z.infer<typeof AccountSchema>;

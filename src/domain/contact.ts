import { z } from 'zod';
import { CrmIdSchema } from './crm.ts';

/** A person on the buyer's side. */
export const ContactSchema = z.object({
  id: CrmIdSchema,
  name: z.string().nullable(),
  email: z.string().nullable(),
  title: z.string().nullable(),
  accountId: CrmIdSchema.nullable(),
});
export type Contact = z.infer<typeof ContactSchema>;

/** A contact's part in one deal (Salesforce OpportunityContactRole; HubSpot association label). */
export const DealContactSchema = z.object({
  contactId: CrmIdSchema,
  /** e.g. "Decision Maker", "Economic Buyer", "Influencer"; null when unlabelled. */
  role: z.string().nullable(),
  isPrimary: z.boolean(),
});
export type DealContact = z.infer<typeof DealContactSchema>;

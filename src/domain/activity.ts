import { z } from 'zod';
import { CrmIdSchema, IsoDateTimeSchema } from './crm.ts';

const ActivityTypeSchema = z.enum(['email', 'call', 'meeting', 'note', 'task']);
export type ActivityType = z.infer<typeof ActivityTypeSchema>;

/** Who started the touch: the buyer (inbound) or the seller (outbound); null when unknown (notes). */
const DirectionSchema = z.enum(['inbound', 'outbound']);

const CallOutcomeSchema = z.enum(['connected', 'no_answer', 'busy', 'left_voicemail', 'failed', 'unknown']);
const MeetingOutcomeSchema = z.enum(['scheduled', 'completed', 'rescheduled', 'no_show', 'canceled']);
const TaskStatusSchema = z.enum(['open', 'completed']);

/**
 * One logged interaction tied to one or more deals, normalised from HubSpot engagements or
 * Salesforce Task/Event/EmailMessage. Fields that do not apply to the type are null.
 */
export const ActivitySchema = z.object({
  id: CrmIdSchema,
  type: ActivityTypeSchema,
  dealIds: z.array(CrmIdSchema),
  /** When it happened (emails sent, calls made, meeting start, note/task creation). */
  occurredAt: IsoDateTimeSchema,
  direction: DirectionSchema.nullable(),
  ownerId: CrmIdSchema.nullable(),
  /** Buyer contacts involved (recipients, attendees, the person called). */
  contactIds: z.array(CrmIdSchema),
  /** Email: a reply within a thread (buyer replies are the strongest two-way signal). */
  isReply: z.boolean().nullable(),
  callOutcome: CallOutcomeSchema.nullable(),
  durationSeconds: z.number().nonnegative().nullable(),
  meetingOutcome: MeetingOutcomeSchema.nullable(),
  /** Task due date or meeting end; null otherwise. */
  dueAt: IsoDateTimeSchema.nullable(),
  taskStatus: TaskStatusSchema.nullable(),
  /** Length of the logged body/notes in characters; 0 when empty (knowledge-sharing signal). */
  bodyLength: z.number().int().nonnegative(),
});
export type Activity = z.infer<typeof ActivitySchema>;

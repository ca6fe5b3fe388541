import { z } from 'zod';

/** Every step of a tenant's cycle gets the same payload; `asOf` is fixed when the run starts so a retried step scores the same moment. */
export const CyclePayloadSchema = z.object({
  tenantId: z.string().min(1),
  runId: z.string().min(1),
  trigger: z.enum(['nightly', 'incremental', 'manual', 'demo']),
  /** The moment to score as of (ISO); fixed per run. */
  asOf: z.iso.datetime({ offset: true }),
  /** Ignore the cursor and pull everything again. */
  fullResync: z.boolean().default(false),
});
export type CyclePayload = z.infer<typeof CyclePayloadSchema>;

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { FaultPlan } from '../fault-plan.ts';
import type { InspectionRecorder } from './inspection-recorder.ts';

/** Prefix of every inspection route; these routes bypass auth, faults and rate limits. */
export const INSPECTION_PREFIX = '/__sandbox';

/** A partial fault plan as accepted by `POST /__sandbox/faults`; given fields replace current ones. */
const FaultPlanPatchSchema = z
  .object({
    latencyMs: z.number().int().min(0),
    errorRates: z.record(z.string().regex(/^\d{3}$/), z.number().min(0).max(1)),
    rateLimitBurst: z.number().int().min(0),
    hangNext: z.number().int().min(0),
    dropNext: z.number().int().min(0),
    failRecords: z.record(z.string(), z.string()),
  })
  .partial()
  .strict();

export interface InspectionRoutesOptions {
  recorder: InspectionRecorder;
  /** The live plan object; patched in place so `handle.faults` stays the same object. */
  faults: FaultPlan;
  expireAllTokens(): void;
  revokeRefreshTokens(): void;
}

/**
 * Register the HTTP inspection API:
 * `GET /__sandbox/calls | calls-by-endpoint | writes | rate-limited | tokens | faults`,
 * `POST /__sandbox/reset | faults | expire-tokens | revoke-refresh-tokens`.
 */
export function registerInspectionRoutes(app: FastifyInstance, options: InspectionRoutesOptions): void {
  const { recorder, faults } = options;
  app.get(`${INSPECTION_PREFIX}/calls`, async () => recorder.calls());
  app.get(`${INSPECTION_PREFIX}/calls-by-endpoint`, async () => recorder.callsByEndpoint());
  app.get(`${INSPECTION_PREFIX}/writes`, async () => recorder.writes());
  app.get(`${INSPECTION_PREFIX}/rate-limited`, async () => recorder.rateLimited());
  app.get(`${INSPECTION_PREFIX}/tokens`, async () => recorder.tokens());
  app.get(`${INSPECTION_PREFIX}/faults`, async () => faults);
  app.post(`${INSPECTION_PREFIX}/reset`, async () => {
    recorder.reset();
    return { ok: true };
  });
  app.post(`${INSPECTION_PREFIX}/faults`, async (request, reply) => {
    const parsed = FaultPlanPatchSchema.safeParse(request.body ?? {});
    if (!parsed.success)
      return reply.code(400).send({ error: 'invalid fault plan', issues: parsed.error.issues });
    const patch = parsed.data;
    if (patch.latencyMs !== undefined) faults.latencyMs = patch.latencyMs;
    if (patch.errorRates !== undefined) {
      faults.errorRates = Object.fromEntries(
        Object.entries(patch.errorRates).map(([k, v]) => [Number(k), v]),
      );
    }
    if (patch.rateLimitBurst !== undefined) faults.rateLimitBurst = patch.rateLimitBurst;
    if (patch.hangNext !== undefined) faults.hangNext = patch.hangNext;
    if (patch.dropNext !== undefined) faults.dropNext = patch.dropNext;
    if (patch.failRecords !== undefined) faults.failRecords = patch.failRecords;
    return faults;
  });
  app.post(`${INSPECTION_PREFIX}/expire-tokens`, async () => {
    options.expireAllTokens();
    return { ok: true };
  });
  app.post(`${INSPECTION_PREFIX}/revoke-refresh-tokens`, async () => {
    options.revokeRefreshTokens();
    return { ok: true };
  });
}

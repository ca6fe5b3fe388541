import type { InspectionRecorder } from '../http/inspection-recorder.ts';
import type { HubSpotPropertyRegistry } from './hubspot-properties.ts';
import type { HubSpotRateLimiter } from './hubspot-rate-limiter.ts';
import type { HubSpotStore } from './hubspot-store.ts';
import type { HubSpotTokenStore } from './hubspot-tokens.ts';
import type { FaultPlan } from '../fault-plan.ts';

/** Everything the HubSpot route modules share for one sandbox instance. */
export interface HubSpotContext {
  store: HubSpotStore;
  registry: HubSpotPropertyRegistry;
  tokens: HubSpotTokenStore;
  limiter: HubSpotRateLimiter;
  recorder: InspectionRecorder;
  faults: FaultPlan;
  /** HubSpot pipeline id per world pipeline key ("default" for the first). */
  pipelineIds: Map<string, string>;
  portalId: number;
  /** The account's time zone setting (IANA); the daily limit resets at midnight in it. */
  timeZone: string;
  baseUrl(): string;
  clock(): number;
}

export function nowIso(ctx: HubSpotContext): string {
  return new Date(ctx.clock()).toISOString();
}

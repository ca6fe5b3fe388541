import { describe, expect, it } from 'vitest';
import type { HubSpotHttp } from '../../../connectors/hubspot/hubspot-http.ts';
import { HubSpotWriter } from '../../../connectors/hubspot/hubspot-writer.ts';
import { createLogger } from '../../../src/shared/logger.ts';

interface UpdateInput {
  inputs: { id: string; properties: Record<string, string> }[];
}

/**
 * A stand-in for the SDK's batch update: the sandbox can only inject permanent per-record
 * failures, so retryable ones (HubSpot's RATE_LIMITS / INTERNAL_ERROR inside a 207) are
 * scripted here. `failures[id]` lists the category per attempt; absent or exhausted = success.
 */
function fakeHttp(failures: Record<string, string[]>) {
  const calls: UpdateInput[] = [];
  const http = {
    call: <T>(_kind: string, fn: () => Promise<T>) => fn(),
    client: {
      crm: {
        objects: {
          batchApi: {
            update: async (_type: string, input: UpdateInput) => {
              calls.push(input);
              const results: { id: string }[] = [];
              const errors: unknown[] = [];
              for (const { id } of input.inputs) {
                const category = failures[id]?.shift();
                if (category === undefined) results.push({ id });
                else
                  errors.push({
                    status: 'error',
                    category,
                    message: `${category} for ${id}`,
                    context: { id: [id] },
                  });
              }
              return {
                status: 'COMPLETE',
                results,
                ...(errors.length > 0 ? { numErrors: errors.length, errors } : {}),
              };
            },
          },
        },
      },
    },
  };
  return { http: http as unknown as HubSpotHttp, calls };
}

const logger = createLogger({ level: 'silent' });

describe('HubSpotWriter.writeHealth', () => {
  it('retries records that failed for a retryable reason, a bounded number of times', async () => {
    const { http, calls } = fakeHttp({
      a: ['RATE_LIMITS'],
      b: ['INTERNAL_ERROR', 'INTERNAL_ERROR', 'INTERNAL_ERROR'],
    });
    const writer = new HubSpotWriter({ http, logger, recordRetries: 2 });
    const outcome = await writer.writeHealth(
      ['a', 'b', 'c'].map((dealId) => ({ dealId, values: { score: 10 } })),
    );
    expect(outcome.written.sort()).toEqual(['a', 'c']);
    // b failed on the first call and on both retries: returned, not dropped.
    expect(outcome.failed).toEqual([
      {
        dealId: 'b',
        code: 'CRM_UNAVAILABLE',
        message: 'INTERNAL_ERROR: INTERNAL_ERROR for b',
        retryable: true,
      },
    ]);
    expect(calls.map((c) => c.inputs.map((i) => i.id))).toEqual([['a', 'b', 'c'], ['a', 'b'], ['b']]);
  }, 20_000);

  it('sends at most 100 records per call and only mapped health properties', async () => {
    const { http, calls } = fakeHttp({});
    const writer = new HubSpotWriter({ http, logger, recordRetries: 2 });
    const writes = Array.from({ length: 250 }, (_, i) => ({
      dealId: String(i),
      values: { score: i, dealname: 'x' } as unknown as { score: number },
    }));
    const outcome = await writer.writeHealth([...writes, { dealId: 'empty', values: {} }]);
    expect(outcome.written).toHaveLength(251);
    expect(calls.map((c) => c.inputs.length)).toEqual([100, 100, 50]);
    expect(Object.keys(calls[0]!.inputs[0]!.properties)).toEqual(['ph_score']);
  });
});

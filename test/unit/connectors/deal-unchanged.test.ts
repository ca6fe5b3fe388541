import { describe, expect, it } from 'vitest';
import { dealUnchanged } from '../../../connectors/shared/deal-unchanged.ts';
import type { Deal } from '../../../src/domain/index.ts';

const stored: Deal = {
  id: 'd1',
  name: 'Acme - Platform',
  pipelineId: 'default',
  stageId: 'proposal',
  isClosed: false,
  isWon: false,
  amount: 12_000,
  currency: null,
  closeDate: '2026-05-01',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-03-01T00:00:00.000Z',
  closedAt: null,
  ownerId: 'o1',
  accountId: 'a1',
  nextStep: 'Send proposal',
  nextStepUpdatedAt: '2026-02-01T00:00:00.000Z',
  contacts: [{ contactId: 'c1', role: null, isPrimary: false }],
  stageHistory: [{ stageId: 'proposal', enteredAt: '2026-02-01T00:00:00.000Z' }],
  closeDateChanges: [],
  amountChanges: [{ at: '2026-01-01T00:00:00.000Z', from: null, to: '12000' }],
  fields: { budget_allocated: 'true' },
};

describe('dealUnchanged', () => {
  it('ignores only updatedAt (what our own write-back moves)', () => {
    const fresh = JSON.parse(JSON.stringify({ ...stored, updatedAt: '2026-03-02T00:00:00.000Z' })) as Deal;
    expect(dealUnchanged(fresh, stored)).toBe(true);
  });

  it('does not depend on key order (stored deals come back from JSON)', () => {
    const reordered = Object.fromEntries(Object.entries(stored).reverse()) as Deal;
    expect(dealUnchanged(reordered, stored)).toBe(true);
  });

  it('sees any other difference, however deep', () => {
    expect(dealUnchanged({ ...stored, amount: 12_001 }, stored)).toBe(false);
    expect(dealUnchanged({ ...stored, nextStep: null }, stored)).toBe(false);
    expect(dealUnchanged({ ...stored, fields: { budget_allocated: 'false' } }, stored)).toBe(false);
    expect(dealUnchanged({ ...stored, fields: {} }, stored)).toBe(false);
    expect(
      dealUnchanged(
        {
          ...stored,
          stageHistory: [...stored.stageHistory, { stageId: 'won', enteredAt: stored.updatedAt }],
        },
        stored,
      ),
    ).toBe(false);
    expect(
      dealUnchanged(
        { ...stored, contacts: [{ contactId: 'c1', role: 'Champion', isPrimary: false }] },
        stored,
      ),
    ).toBe(false);
    expect(dealUnchanged({ ...stored, id: 'd2' }, stored)).toBe(false);
  });
});

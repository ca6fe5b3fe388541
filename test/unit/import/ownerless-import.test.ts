// Issue 15 item 6: an import without owners must not invent one shared owner. Before, every row
// without an owner went to one "(no owner)" owner, whose running win rate (deals closed before each
// cut-off) fed the industry-understanding indicator: on an export whose win rate drifts over time,
// that pseudo-owner's record carried time order into a model feature. Oracle: a deal without an
// owner has no owner track record, so that indicator has no owner evidence and the same feature
// value for every deal (its other inputs, account profile and discovery notes, are absent here).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { worldToRecords } from '../../../src/cli/world-records.ts';
import { importExportFile } from '../../../src/import/export-importer.ts';
import { buildTrainingSet } from '../../../src/scoring/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'ph-ownerless-'));

/** 120 closed deals over a year, no owner column; early deals mostly lost, late ones mostly won. */
function driftingExport(ownerColumn: boolean): string {
  const lines = [`Deal ID,Deal Name,Status,Close Date,Create Date${ownerColumn ? ',Deal Owner' : ''}`];
  const start = Date.parse('2025-01-01T00:00:00Z');
  for (let i = 0; i < 120; i++) {
    const close = new Date(start + i * 3 * 86_400_000).toISOString().slice(0, 10);
    const created = new Date(start + (i * 3 - 40) * 86_400_000).toISOString().slice(0, 10);
    const won = (i * 7) % 10 < (i < 60 ? 2 : 8);
    lines.push(`${i + 1},D${i},${won ? 'Won' : 'Lost'},${close},${created}${ownerColumn ? ',' : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

async function ownerFeature(text: string, name: string) {
  const path = join(dir, name);
  writeFileSync(path, text);
  const r = await importExportFile(path);
  expect(r.imported).toBe(120);
  const { records } = worldToRecords(r.world, [], path);
  const ts = buildTrainingSet(records);
  const j = ts.features.indexOf('industry_understanding');
  expect(j).toBeGreaterThanOrEqual(0);
  const d = ts.features.length;
  return { r, records, values: Array.from({ length: ts.y.length }, (_, row) => ts.x[row * d + j]!) };
}

describe('an import without owners', () => {
  for (const [label, ownerColumn] of [
    ['no owner column', false],
    ['an owner column left empty', true],
  ] as const) {
    it(`${label}: no owner is invented and no owner track record reaches the model`, async () => {
      const { r, records, values } = await ownerFeature(driftingExport(ownerColumn), `${label}.csv`);
      expect(r.world.owners).toEqual([]);
      for (const deal of r.world.deals) expect(deal.ownerN).toBeNull();
      for (const rec of records) expect(rec.deal.ownerId).toBeNull();
      // One value for every deal: the feature carries nothing (before: it rose with the pooled win rate).
      expect(values.length).toBeGreaterThan(100);
      expect(new Set(values).size).toBe(1);
    });
  }
});

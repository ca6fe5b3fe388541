import { describe, expect, it } from 'vitest';
import { recordsFromBulkCsv } from '../../../connectors/salesforce/salesforce-bulk-csv.ts';
import { phasesFor } from '../../../connectors/salesforce/salesforce-cursor.ts';
import { BOOLEAN_FIELDS, NUMBER_FIELDS } from '../../../connectors/salesforce/salesforce-records.ts';
import { endpointOf } from '../../../connectors/salesforce/salesforce-transport.ts';

const types = { numbers: NUMBER_FIELDS, booleans: BOOLEAN_FIELDS };

describe('Bulk API CSV rows as REST-shaped records', () => {
  it('types numbers and booleans, makes empty fields null and nests parent fields', () => {
    const csv = [
      '"Id","Amount","IsClosed","NextStep","Activity.Id","Activity.Subject","Activity.OwnerId"',
      '"006A","1500.5","true",,"00TA","Call, then ""demo""","005A"',
      '"006B",,"false","Send quote",,,',
    ].join('\n');
    expect(recordsFromBulkCsv(csv, types)).toEqual([
      {
        Id: '006A',
        Amount: 1500.5,
        IsClosed: true,
        NextStep: null,
        Activity: { Id: '00TA', Subject: 'Call, then "demo"', OwnerId: '005A' },
      },
      // An empty lookup is null, as the REST API renders it.
      { Id: '006B', Amount: null, IsClosed: false, NextStep: 'Send quote', Activity: null },
    ]);
  });

  it('keeps text it cannot type, so the record schema quarantines it as it would a REST value', () => {
    const [record] = recordsFromBulkCsv('"Id","Amount","IsWon"\n"006A","n/a","yes"\n', types);
    expect(record).toEqual({ Id: '006A', Amount: 'n/a', IsWon: 'yes' });
  });

  it('a header-only page has no records', () => {
    expect(recordsFromBulkCsv('"Id","Name"\n', types)).toEqual([]);
  });
});

describe('Bulk API sync plumbing', () => {
  it('a bulk full sync reads every object in its own phase; incremental syncs keep their phases', () => {
    expect(phasesFor(null, 'bulk')).toEqual([
      'opportunities',
      'tasks',
      'events',
      'emails',
      'contacts',
      'accounts',
    ]);
    expect(phasesFor('2026-01-01T00:00:00.000Z', 'bulk')).toEqual([
      'opportunities',
      'tasks',
      'events',
      'emails',
      'deletions',
    ]);
  });

  it('folds job ids in the counted endpoint names', () => {
    const base = 'https://x.my.salesforce.com/services/data/v62.0';
    expect(endpointOf('GET', `${base}/jobs/query/750A00000000001AAA/results?maxRecords=5`)).toBe(
      'GET /services/data/vXX.X/jobs/query/{id}/results',
    );
    expect(endpointOf('GET', `${base}/jobs/query/750A00000000001AAA`)).toBe(
      'GET /services/data/vXX.X/jobs/query/{id}',
    );
    expect(endpointOf('POST', `${base}/jobs/query`)).toBe('POST /services/data/vXX.X/jobs/query');
    expect(endpointOf('GET', `${base}/query/01gA-2000`)).toBe('GET /services/data/vXX.X/query/{locator}');
  });
});

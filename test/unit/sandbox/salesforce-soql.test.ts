import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FieldAccess } from '../../../src/sandbox/salesforce/field-access.ts';
import { RecordStore } from '../../../src/sandbox/salesforce/record-store.ts';
import { SalesforceApiError } from '../../../src/sandbox/salesforce/salesforce-errors.ts';
import {
  idChecksum,
  isSalesforceId,
  salesforceId,
  toId18,
} from '../../../src/sandbox/salesforce/salesforce-ids.ts';
import { SalesforceSchema } from '../../../src/sandbox/salesforce/salesforce-schema.ts';
import { executeSoql, type QueryContext } from '../../../src/sandbox/salesforce/soql-engine.ts';

const NOW = new Date('2026-11-20T12:00:00.000Z');

/** A store with a handful of opportunities whose values the tests state explicitly. */
function fixture(): QueryContext {
  const store = new RecordStore(SalesforceSchema.standard());
  const opp = store.schema.get('Opportunity');
  if (opp === undefined) throw new Error('no Opportunity');
  const rows: [string, number | null, string | null, string, boolean][] = [
    ['Alpha', 100, '2026-11-19', '2026-11-19T08:00:00.000Z', false],
    ['beta', 200, '2026-11-20', '2026-11-20T08:00:00.000Z', true],
    ['Gamma_1', null, null, '2026-11-01T08:00:00.000Z', false],
    ['Delta%', 50, '2026-12-24', '2026-10-01T08:00:00.000Z', true],
  ];
  rows.forEach(([Name, Amount, CloseDate, SystemModstamp, IsClosed], i) => {
    store.put(opp, {
      Id: store.idFor(opp, i + 1),
      Name,
      Amount,
      CloseDate,
      SystemModstamp,
      IsClosed,
      IsDeleted: false,
    });
  });
  return {
    store,
    access: new FieldAccess(store, salesforceId('005', 1)),
    now: NOW,
    includeDeleted: false,
    apiVersion: '62.0',
    urlBase: '/services/data/v62.0',
  };
}

const names = (where: string) =>
  executeSoql(`SELECT Name FROM Opportunity WHERE ${where}`, fixture()).records.map((r) => r.Name);

function errorCode(soql: string): string {
  try {
    executeSoql(soql, fixture());
  } catch (err) {
    if (err instanceof SalesforceApiError) return err.errorCode;
    throw err;
  }
  return 'none';
}

describe('SOQL engine', () => {
  it('gives AND precedence over OR and honours parentheses and NOT', () => {
    expect(names("Name = 'Alpha' OR Name = 'beta' AND Amount > 500")).toEqual(['Alpha']);
    expect(names("(Name = 'Alpha' OR Name = 'beta') AND Amount > 150")).toEqual(['beta']);
    expect(names("NOT (Name = 'Alpha' OR Name = 'beta')")).toEqual(['Gamma_1', 'Delta%']);
  });

  it('compares strings case-insensitively and matches LIKE wildcards with escapes', () => {
    expect(names("Name = 'ALPHA'")).toEqual(['Alpha']);
    expect(names("Name LIKE 'gamma\\_%'")).toEqual(['Gamma_1']);
    expect(names("Name LIKE '%\\%'")).toEqual(['Delta%']);
    expect(names("Name LIKE '_eta'")).toEqual(['beta']);
  });

  it('treats null as its own value: = null, != null, and comparisons never match null', () => {
    expect(names('Amount = null')).toEqual(['Gamma_1']);
    expect(names('Amount != null')).toEqual(['Alpha', 'beta', 'Delta%']);
    expect(names('Amount < 1000')).toEqual(['Alpha', 'beta', 'Delta%']);
    expect(names('CloseDate != 2026-11-19')).toEqual(['beta', 'Gamma_1', 'Delta%']);
  });

  it('evaluates date keywords against the clock in UTC days', () => {
    expect(names('CloseDate = TODAY')).toEqual(['beta']);
    expect(names('CloseDate = YESTERDAY')).toEqual(['Alpha']);
    expect(names('CloseDate > TODAY')).toEqual(['Delta%']);
    expect(names('SystemModstamp = LAST_N_DAYS:1')).toEqual(['Alpha', 'beta']);
    expect(names('SystemModstamp < LAST_N_DAYS:30')).toEqual(['Delta%']);
    expect(names('CloseDate = NEXT_N_DAYS:40')).toEqual(['Delta%']);
    expect(names('SystemModstamp = THIS_MONTH')).toEqual(['Alpha', 'beta', 'Gamma_1']);
    // A SystemModstamp as Salesforce returns it (+0000) is a valid literal for the next incremental query.
    expect(names('SystemModstamp > 2026-11-19T08:00:00.000+0000')).toEqual(['beta']);
  });

  it('requires literals of the field type', () => {
    expect(errorCode("SELECT Id FROM Opportunity WHERE CloseDate = '2026-11-19'")).toBe('INVALID_FIELD');
    expect(errorCode('SELECT Id FROM Opportunity WHERE SystemModstamp > 2026-11-19')).toBe('INVALID_FIELD');
    expect(errorCode("SELECT Id FROM Opportunity WHERE Amount = '5'")).toBe('INVALID_FIELD');
    expect(errorCode("SELECT Id FROM Opportunity WHERE OwnerId = 'abc'")).toBe(
      'INVALID_QUERY_FILTER_OPERATOR',
    );
    expect(errorCode('SELECT Id FROM Opportunity OFFSET 2001')).toBe('NUMBER_OUTSIDE_VALID_RANGE');
    expect(errorCode('SELECT Id FROM Opportunity WHERE')).toBe('MALFORMED_QUERY');
    expect(errorCode('SELECT Nope.Name FROM Opportunity')).toBe('INVALID_FIELD');
  });

  it('accepts 15-character ids where 18-character ids are stored', () => {
    const ctx = fixture();
    const id18 = salesforceId('006', 2);
    const result = executeSoql(`SELECT Name FROM Opportunity WHERE Id = '${id18.slice(0, 15)}'`, ctx);
    expect(result.records.map((r) => r.Name)).toEqual(['beta']);
  });

  it('sorts ties stably and keeps every row exactly once (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('Name', 'Amount', 'CloseDate', 'SystemModstamp', 'IsClosed'),
        fc.boolean(),
        (field, desc) => {
          const records = executeSoql(
            `SELECT Id, ${field} FROM Opportunity ORDER BY ${field} ${desc ? 'DESC' : 'ASC'}`,
            fixture(),
          ).records;
          expect(new Set(records.map((r) => r.Id)).size).toBe(4);
          const values = records.map((r) => r[field]);
          const present = values.filter((v) => v !== null);
          const sorted = [...present].sort((a, b) => {
            const x = typeof a === 'string' ? a.toLowerCase() : Number(a);
            const y = typeof b === 'string' ? b.toLowerCase() : Number(b);
            return (x < y ? -1 : x > y ? 1 : 0) * (desc ? -1 : 1);
          });
          expect(present).toEqual(sorted);
          // Nulls first ascending, last descending.
          if (values.includes(null)) expect(desc ? values.at(-1) : values[0]).toBeNull();
        },
      ),
    );
  });
});

describe('Salesforce ids', () => {
  it('are 18 valid characters with the key prefix, unique, and sort by n (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5_000_000 }), fc.integer({ min: 0, max: 5_000_000 }), (a, b) => {
        const x = salesforceId('006', a);
        const y = salesforceId('006', b);
        expect(x).toHaveLength(18);
        expect(x.startsWith('006')).toBe(true);
        expect(isSalesforceId(x)).toBe(true);
        expect(toId18(x.slice(0, 15))).toBe(x);
        expect(x === y).toBe(a === b);
        expect(x < y).toBe(a < b);
      }),
    );
  });

  it('compute the case-safe checksum Salesforce documents', () => {
    // Known pair: 001A0000006Vm9r -> 001A0000006Vm9rIAC (bits of upper-case letters per 5-character chunk).
    expect(idChecksum('001A0000006Vm9r')).toBe('IAC');
    expect(isSalesforceId('001A0000006Vm9rIAD')).toBe(false);
  });
});

/**
 * Semi-join and anti-join rules, SOQL and SOSL Reference, "Comparison Operators" (Semi-Joins with
 * IN and Anti-Joins with NOT IN): no more than two IN or NOT IN subqueries per WHERE clause; the
 * left operand and the subquery's one selected field must be an ID or reference field; no nesting;
 * not with OR; Task, Event (and other activity objects) are not supported in subqueries. The
 * messages are those real orgs answer as reported by clients (docs/SANDBOX.md).
 * https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_comparisonoperators.htm
 */
describe('SOQL semi-joins and anti-joins', () => {
  const run = (soql: string) => executeSoql(soql, fixture());
  const refused = (soql: string): string => {
    try {
      run(soql);
    } catch (err) {
      expect(err).toBeInstanceOf(SalesforceApiError);
      expect((err as SalesforceApiError).errorCode).toBe('MALFORMED_QUERY');
      return (err as SalesforceApiError).message;
    }
    throw new Error(`expected a refusal: ${soql}`);
  };

  it('allows two semi-joins (one an anti-join) on ID and reference fields', () => {
    const result = run(
      'SELECT Id FROM Task WHERE WhatId IN (SELECT Id FROM Opportunity) AND Id NOT IN (SELECT ActivityId FROM EmailMessage)',
    );
    expect(result.totalSize).toBe(0);
    expect(
      run('SELECT Name FROM Opportunity WHERE Id IN (SELECT Id FROM Opportunity WHERE IsClosed = true)')
        .totalSize,
    ).toBe(2);
  });

  it('refuses a third semi-join in one WHERE clause', () => {
    expect(
      refused(
        'SELECT Id FROM Opportunity WHERE Id IN (SELECT Id FROM Opportunity) AND AccountId IN (SELECT Id FROM Account) AND OwnerId IN (SELECT Id FROM User)',
      ),
    ).toContain('Maximum 2 semi join sub-selects are allowed');
  });

  it('refuses Task and Event as the subquery object', () => {
    expect(refused('SELECT Id FROM Opportunity WHERE Id IN (SELECT WhatId FROM Task)')).toContain(
      "Entity 'Task' is not supported for semi join inner selects",
    );
    expect(refused('SELECT Id FROM Opportunity WHERE Id NOT IN (SELECT WhatId FROM Event)')).toContain(
      "Entity 'Event' is not supported for semi join inner selects",
    );
  });

  it('refuses a non-id left operand or selected field, nesting, and OR', () => {
    expect(refused('SELECT Id FROM Opportunity WHERE Name IN (SELECT Name FROM Account)')).toMatch(/id/i);
    expect(refused('SELECT Id FROM Opportunity WHERE AccountId IN (SELECT Name FROM Account)')).toContain(
      "semi join sub selects can only query id fields, cannot use: 'Name'",
    );
    expect(
      refused(
        'SELECT Id FROM Opportunity WHERE AccountId IN (SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact))',
      ),
    ).toMatch(/nest/i);
    expect(
      refused('SELECT Id FROM Opportunity WHERE IsClosed = true OR AccountId IN (SELECT Id FROM Account)'),
    ).toMatch(/OR/);
  });
});

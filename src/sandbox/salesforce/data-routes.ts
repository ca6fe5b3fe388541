import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ApiUsage } from './api-usage.ts';
import { createCustomField } from './custom-fields.ts';
import { describeGlobal, describeObject } from './describe.ts';
import type { FieldAccess } from './field-access.ts';
import { batchSizeFrom, type QueryCursors, type QueryPage } from './query-cursors.ts';
import type { RecordStore, SfRow } from './record-store.ts';
import {
  MAX_COLLECTION_RECORDS,
  type SaveResult,
  saveRecords,
  type WriteContext,
  type WriteRequest,
} from './record-writes.ts';
import { NOT_FOUND, SalesforceApiError } from './salesforce-errors.ts';
import { type QueryContext, executeSoqlLazy, renderValue } from './soql-engine.ts';
import { wholeSecondIso } from './whole-seconds.ts';

/** API versions the sandbox answers (Salesforce keeps old versions for years). */
const MIN_API_VERSION = 31;
const MAX_API_VERSION = 64;

export interface DataRoutesOptions {
  store: RecordStore;
  tooling: RecordStore;
  access: FieldAccess;
  cursors: QueryCursors;
  usage: ApiUsage;
  now: () => Date;
  writeContext: () => WriteContext;
  /** The API user's identity URL (listed as `identity` in the version's resources). */
  identityUrl: () => string;
}

const CollectionSchema = z.object({
  allOrNone: z.boolean().optional(),
  records: z.array(z.record(z.string(), z.unknown())),
});

/** "62.0" from the route's `v62.0`; 404 for versions the sandbox does not answer. */
export function versionOf(request: FastifyRequest): string {
  const v = (request.params as { version?: string }).version ?? '';
  const match = /^v(\d+)\.0$/.exec(v);
  const n = match === null ? Number.NaN : Number(match[1]);
  if (!(n >= MIN_API_VERSION && n <= MAX_API_VERSION)) throw NOT_FOUND();
  return `${n}.0`;
}

function queryContext(
  o: DataRoutesOptions,
  version: string,
  tooling: boolean,
  includeDeleted: boolean,
): QueryContext {
  return {
    store: tooling ? o.tooling : o.store,
    access: tooling ? null : o.access,
    now: o.now(),
    includeDeleted,
    apiVersion: version,
    urlBase: `/services/data/v${version}${tooling ? '/tooling' : ''}`,
  };
}

/** A save result as Salesforce renders it: failed creates carry no id. */
function renderSave(r: SaveResult): Record<string, unknown> {
  return r.id === null
    ? { success: r.success, errors: r.errors }
    : { id: r.id, success: r.success, errors: r.errors };
}

/** Per-record errors of a single-record call become the usual error array. */
function singleError(r: SaveResult): SalesforceApiError {
  const e = r.errors[0];
  return new SalesforceApiError(
    400,
    e?.statusCode ?? 'UNKNOWN_EXCEPTION',
    e?.message ?? 'failed',
    e?.fields ?? [],
  );
}

/**
 * The Salesforce REST data API: versions, resources, limits, query/queryAll/queryMore, sObject
 * describe and CRUD, sObject Collections, and the Tooling API pieces for custom fields.
 */
export function registerDataRoutes(app: FastifyInstance, o: DataRoutesOptions): void {
  app.get('/services/data', async () => {
    const out = [];
    for (let n = MIN_API_VERSION; n <= MAX_API_VERSION; n += 1)
      out.push({ label: `v${n}.0`, url: `/services/data/v${n}.0`, version: `${n}.0` });
    return out;
  });

  app.get('/services/data/:version', async (request) => {
    const base = `/services/data/v${versionOf(request)}`;
    const names = ['sobjects', 'query', 'queryAll', 'limits', 'composite', 'tooling', 'search', 'recent'];
    return { ...Object.fromEntries(names.map((n) => [n, `${base}/${n}`])), identity: o.identityUrl() };
  });

  app.get('/services/data/:version/limits', async (request) => {
    versionOf(request);
    return {
      DailyApiRequests: { Max: o.usage.max, Remaining: Math.max(0, o.usage.max - o.usage.used) },
      DailyBulkV2QueryJobs: { Max: 10000, Remaining: 10000 },
      DailyAsyncApexExecutions: { Max: 250000, Remaining: 250000 },
    };
  });

  const query = (tooling: boolean, includeDeleted: boolean) => async (request: FastifyRequest) => {
    const version = versionOf(request);
    const q = (request.query as { q?: string }).q;
    if (q === undefined || q.trim() === '')
      throw new SalesforceApiError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
    const ctx = queryContext(o, version, tooling, includeDeleted);
    // Rows are chosen now; each page renders them when asked (values as of that page).
    const page = o.cursors.first(
      ctx.urlBase,
      executeSoqlLazy(q, ctx),
      batchSizeFrom(request.headers['sforce-query-options']),
    );
    if (!tooling) return page;
    const from = /\bFROM\s+([A-Za-z0-9_]+)/i.exec(q)?.[1] ?? '';
    return toolingPage(page, o.tooling.schema.get(from)?.name ?? from);
  };
  const more = (tooling: boolean) => async (request: FastifyRequest) => {
    const version = versionOf(request);
    const locator = (request.params as { locator: string }).locator;
    const urlBase = `/services/data/v${version}${tooling ? '/tooling' : ''}`;
    const page = o.cursors.more(urlBase, locator, batchSizeFrom(request.headers['sforce-query-options']));
    return tooling ? toolingPage(page, null) : page;
  };
  app.get('/services/data/:version/query', query(false, false));
  app.get('/services/data/:version/queryAll', query(false, true));
  app.get('/services/data/:version/query/:locator', more(false));
  app.get('/services/data/:version/queryAll/:locator', more(false));
  app.get('/services/data/:version/tooling/query', query(true, false));
  app.get('/services/data/:version/tooling/query/:locator', more(true));

  app.get('/services/data/:version/sobjects', async (request) =>
    describeGlobal(`/services/data/v${versionOf(request)}`, o.store.schema),
  );

  const objectOf = (request: FastifyRequest) => {
    const type = (request.params as { type: string }).type;
    const object = o.store.schema.get(type);
    if (object === undefined)
      throw new SalesforceApiError(404, 'NOT_FOUND', `The requested resource does not exist`);
    return object;
  };

  app.get('/services/data/:version/sobjects/:type/describe', async (request) => {
    const base = `/services/data/v${versionOf(request)}`;
    return describeObject(base, o.store.schema, objectOf(request), o.access);
  });

  app.get('/services/data/:version/sobjects/:type', async (request) => {
    const base = `/services/data/v${versionOf(request)}`;
    const d = describeObject(base, o.store.schema, objectOf(request), o.access);
    return { objectDescribe: { ...d, fields: undefined }, recentItems: [] };
  });

  /** Replication window of `updated` / `deleted`: ISO start and end, start before end. */
  const replicationWindow = (request: FastifyRequest): { start: number; end: number } => {
    const q = request.query as { start?: string; end?: string };
    const start = Date.parse(q.start ?? '');
    const end = Date.parse(q.end ?? '');
    if (Number.isNaN(start) || Number.isNaN(end) || start >= end) {
      throw new SalesforceApiError(
        400,
        'INVALID_REPLICATION_DATE',
        'start date must be before end date and both must be valid dateTimes',
      );
    }
    return { start, end };
  };
  const sfDate = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

  app.get('/services/data/:version/sobjects/:type/updated', async (request) => {
    versionOf(request);
    const object = objectOf(request);
    const { start, end } = replicationWindow(request);
    const ids: string[] = [];
    for (const row of o.store.table(object).values()) {
      const at = Date.parse(String(row.SystemModstamp ?? ''));
      if (row.IsDeleted !== true && at >= start && at < end) ids.push(row.Id);
    }
    // Salesforce covers whole minutes: the last full minute before `end`.
    return { ids, latestDateCovered: sfDate(Math.floor(end / 60_000) * 60_000) };
  });

  app.get('/services/data/:version/sobjects/:type/deleted', async (request) => {
    versionOf(request);
    const object = objectOf(request);
    const { start, end } = replicationWindow(request);
    const deletedRecords: { id: string; deletedDate: string }[] = [];
    for (const row of o.store.table(object).values()) {
      const at = Date.parse(String(row.SystemModstamp ?? ''));
      if (row.IsDeleted === true && at >= start && at < end)
        deletedRecords.push({ id: row.Id, deletedDate: sfDate(at) });
    }
    return {
      deletedRecords,
      earliestDateAvailable: sfDate(o.now().getTime() - 15 * 86_400_000),
      latestDateCovered: sfDate(Math.floor(end / 60_000) * 60_000),
    };
  });

  app.get('/services/data/:version/sobjects/:type/:id', async (request) => {
    const version = versionOf(request);
    const object = objectOf(request);
    const id = (request.params as { id: string }).id;
    const found = o.store.find(id);
    if (found === undefined || found.object !== object || found.row.IsDeleted === true) throw NOT_FOUND();
    const wanted = (request.query as { fields?: string }).fields;
    const fields =
      wanted === undefined
        ? [...object.fields.values()]
        : wanted.split(',').map((n) => {
            const f = object.fields.get(n.trim().toLowerCase());
            if (f === undefined || !o.access.canRead(object, f)) {
              throw new SalesforceApiError(
                400,
                'INVALID_FIELD',
                `No such column '${n.trim()}' on entity '${object.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
              );
            }
            return f;
          });
    const out: Record<string, unknown> = {
      attributes: {
        type: object.name,
        url: `/services/data/v${version}/sobjects/${object.name}/${found.row.Id}`,
      },
    };
    for (const f of fields)
      if (o.access.canRead(object, f)) out[f.name] = renderValue(f.type, found.row[f.name]);
    return out;
  });

  app.post('/services/data/:version/sobjects/:type', async (request, reply) => {
    versionOf(request);
    const object = objectOf(request);
    const [result] = saveRecords(
      o.writeContext(),
      'create',
      [{ type: object.name, id: undefined, values: bodyObject(request) }],
      false,
    );
    if (result === undefined || !result.success) throw singleError(result as SaveResult);
    return reply.code(201).send({ id: result.id, success: true, errors: [] });
  });

  app.patch('/services/data/:version/sobjects/:type/:id', async (request, reply) => {
    versionOf(request);
    const object = objectOf(request);
    const id = (request.params as { id: string }).id;
    const found = o.store.find(id);
    if (found === undefined || found.object !== object) throw NOT_FOUND();
    const [result] = saveRecords(
      o.writeContext(),
      'update',
      [{ type: object.name, id, values: bodyObject(request) }],
      false,
    );
    if (result === undefined || !result.success) throw singleError(result as SaveResult);
    return reply.code(204).send();
  });

  app.delete('/services/data/:version/sobjects/:type/:id', async (request, reply) => {
    versionOf(request);
    const object = objectOf(request);
    const found = o.store.find((request.params as { id: string }).id);
    if (found === undefined || found.object !== object) throw NOT_FOUND();
    if (found.row.IsDeleted === true)
      throw new SalesforceApiError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
    softDelete(o, found.row);
    return reply.code(204).send();
  });

  const collection = (op: 'create' | 'update') => async (request: FastifyRequest, reply: FastifyReply) => {
    versionOf(request);
    const parsed = CollectionSchema.safeParse(request.body);
    if (!parsed.success)
      throw new SalesforceApiError(
        400,
        'JSON_PARSER_ERROR',
        'The request body must be { allOrNone, records: [...] }',
      );
    const { records, allOrNone } = parsed.data;
    if (records.length > MAX_COLLECTION_RECORDS) {
      throw new SalesforceApiError(
        400,
        'EXCEEDED_ID_LIMIT',
        `record limit reached. cannot submit more than ${MAX_COLLECTION_RECORDS} records into this call`,
      );
    }
    const requests: WriteRequest[] = records.map((r) => {
      const attrs = r.attributes as { type?: unknown } | undefined;
      const type = typeof attrs?.type === 'string' ? attrs.type : undefined;
      const id = typeof r.id === 'string' ? r.id : typeof r.Id === 'string' ? r.Id : undefined;
      if (op === 'create' && id !== undefined) {
        throw new SalesforceApiError(
          400,
          'INVALID_FIELD_FOR_INSERT_UPDATE',
          'cannot specify Id in an insert call',
          ['Id'],
        );
      }
      return { type, id, values: r };
    });
    const results = saveRecords(o.writeContext(), op, requests, allOrNone ?? false);
    return reply.code(200).send(results.map(renderSave));
  };
  app.post('/services/data/:version/composite/sobjects', collection('create'));
  app.patch('/services/data/:version/composite/sobjects', collection('update'));

  app.delete('/services/data/:version/composite/sobjects', async (request, reply) => {
    versionOf(request);
    const ids = String((request.query as { ids?: string }).ids ?? '')
      .split(',')
      .filter((s) => s !== '');
    if (ids.length > MAX_COLLECTION_RECORDS) {
      throw new SalesforceApiError(
        400,
        'EXCEEDED_ID_LIMIT',
        `record limit reached. cannot submit more than ${MAX_COLLECTION_RECORDS} records into this call`,
      );
    }
    return reply.send(
      ids.map((id) => {
        const found = o.store.find(id);
        if (found === undefined || found.row.IsDeleted === true) {
          return {
            id,
            success: false,
            errors: [{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] }],
          };
        }
        softDelete(o, found.row);
        return { id: found.row.Id, success: true, errors: [] };
      }),
    );
  });

  app.post('/services/data/:version/tooling/sobjects/:type', async (request, reply) => {
    versionOf(request);
    const type = (request.params as { type: string }).type;
    if (type.toLowerCase() !== 'customfield')
      throw new SalesforceApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const id = createCustomField(o.store.schema, o.tooling, bodyObject(request), o.now());
    return reply.code(201).send({ id, success: true, errors: [], warnings: [], infos: [] });
  });
}

/**
 * A Tooling API query answer: the data API's fields plus `size` (records in this batch),
 * `queryLocator` (null when done) and `entityTypeName` (Tooling API, Query resource).
 */
function toolingPage(page: QueryPage, entityTypeName: string | null): Record<string, unknown> {
  const locator = page.nextRecordsUrl?.split('/').pop() ?? null;
  return {
    size: page.records.length,
    totalSize: page.totalSize,
    done: page.done,
    queryLocator: locator,
    entityTypeName,
    ...(page.nextRecordsUrl === undefined ? {} : { nextRecordsUrl: page.nextRecordsUrl }),
    records: page.records,
  };
}

function bodyObject(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SalesforceApiError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

function softDelete(o: DataRoutesOptions, row: SfRow): void {
  const at = wholeSecondIso(o.now());
  row.IsDeleted = true;
  row.SystemModstamp = at;
  row.LastModifiedDate = at;
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { bulkResultsCsv } from './bulk-query-csv.ts';
import {
  type BulkQueryJob,
  type BulkQueryJobs,
  COLUMN_DELIMITERS,
  DEFAULT_BULK_MAX_RECORDS,
  decodeLocator,
  encodeLocator,
} from './bulk-query-jobs.ts';
import type { FieldAccess } from './field-access.ts';
import type { RecordStore } from './record-store.ts';
import { SalesforceApiError } from './salesforce-errors.ts';
import { executeSoqlLazy } from './soql-engine.ts';

export interface BulkQueryRoutesOptions {
  jobs: BulkQueryJobs;
  store: RecordStore;
  access: FieldAccess;
  now: () => Date;
  apiUserId: string;
  /** "62.0" from the route's `v62.0`, or a 404 for versions the sandbox does not answer. */
  versionOf: (request: FastifyRequest) => string;
}

/** Bulk API 2.0 arrived in API version 47.0. */
const MIN_BULK_V2_VERSION = 47;

const CreateJobSchema = z.object({
  operation: z.enum(['query', 'queryAll']),
  query: z.string().min(1),
  contentType: z.literal('CSV').optional(),
  columnDelimiter: z
    .enum(Object.keys(COLUMN_DELIMITERS) as [keyof typeof COLUMN_DELIMITERS])
    .nullish()
    .transform((v) => v ?? 'COMMA'),
  lineEnding: z
    .enum(['LF', 'CRLF'])
    .nullish()
    .transform((v) => v ?? 'LF'),
});

const sfDateTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

/** Job info as `GET /jobs/query/{id}` answers it (the create answer has the same shape). */
function jobInfo(job: BulkQueryJob): Record<string, unknown> {
  const info: Record<string, unknown> = {
    id: job.id,
    operation: job.operation,
    object: job.object,
    createdById: job.createdById,
    createdDate: sfDateTime(job.createdAt),
    systemModstamp: sfDateTime(job.createdAt),
    state: job.state,
    concurrencyMode: 'Parallel',
    contentType: 'CSV',
    apiVersion: Number(job.apiVersion),
    jobType: 'V2Query',
    lineEnding: job.lineEnding,
    columnDelimiter: job.columnDelimiter,
    numberRecordsProcessed:
      job.state === 'JobComplete' && 'result' in job.outcome ? job.outcome.result.totalSize : 0,
    retries: 0,
    totalProcessingTime: 0,
    isPkChunkingSupported: true,
  };
  if (job.state === 'Failed' && 'errorMessage' in job.outcome) info.errorMessage = job.outcome.errorMessage;
  return info;
}

function apiError(status: number, message: string): SalesforceApiError {
  return new SalesforceApiError(status, 'API_ERROR', message);
}

/**
 * Bulk API 2.0 query jobs: create (`POST /jobs/query`), status (`GET /jobs/query/{id}`), results
 * as CSV pages (`GET /jobs/query/{id}/results?locator=&maxRecords=`, `Sforce-Locator` and
 * `Sforce-NumberOfRecords` headers), abort (`PATCH` state Aborted) and delete. Every one of these
 * is an authenticated data API call: counted against the allocation like any REST call.
 */
export function registerBulkQueryRoutes(app: FastifyInstance, o: BulkQueryRoutesOptions): void {
  const bulkVersion = (request: FastifyRequest) => {
    const version = o.versionOf(request);
    if (Number(version) < MIN_BULK_V2_VERSION)
      throw new SalesforceApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    return version;
  };
  const jobOf = (request: FastifyRequest) => o.jobs.get((request.params as { id: string }).id);

  app.post('/services/data/:version/jobs/query', async (request, reply) => {
    const version = bulkVersion(request);
    const parsed = CreateJobSchema.safeParse(request.body);
    if (!parsed.success) {
      throw new SalesforceApiError(
        400,
        'INVALIDJOB',
        `Invalid query job: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    const { operation, query, columnDelimiter, lineEnding } = parsed.data;
    const job = o.jobs.create({
      operation,
      soql: query,
      apiVersion: version,
      createdById: o.apiUserId,
      columnDelimiter,
      lineEnding,
      objectRows: (name) => {
        const object = o.store.schema.get(name);
        return object === undefined ? 0 : o.store.table(object).size;
      },
      run: (soql) =>
        executeSoqlLazy(soql, {
          store: o.store,
          access: o.access,
          now: o.now(),
          includeDeleted: operation === 'queryAll',
          apiVersion: version,
          urlBase: `/services/data/v${version}`,
        }),
    });
    return reply.code(200).send(jobInfo(job));
  });

  app.get('/services/data/:version/jobs/query/:id', async (request) => {
    bulkVersion(request);
    return jobInfo(o.jobs.check((request.params as { id: string }).id));
  });

  app.patch('/services/data/:version/jobs/query/:id', async (request) => {
    bulkVersion(request);
    const state = (request.body as { state?: unknown } | null)?.state;
    if (state !== 'Aborted') throw apiError(400, "The only state a query job can be set to is 'Aborted'");
    return jobInfo(o.jobs.abort((request.params as { id: string }).id));
  });

  app.delete('/services/data/:version/jobs/query/:id', async (request, reply) => {
    bulkVersion(request);
    o.jobs.delete((request.params as { id: string }).id);
    return reply.code(204).send();
  });

  app.get('/services/data/:version/jobs/query/:id/results', async (request, reply) => {
    const version = bulkVersion(request);
    const job = jobOf(request);
    if (job.apiVersion !== version) {
      throw apiError(409, `Use API version ${job.apiVersion} (the job's) to get its results`);
    }
    if (job.state !== 'JobComplete' || !('result' in job.outcome))
      throw apiError(400, `Job ${job.id} is ${job.state}: results are available once it is JobComplete`);
    const { locator, maxRecords } = request.query as { locator?: string; maxRecords?: string };
    const size = maxRecords === undefined ? DEFAULT_BULK_MAX_RECORDS : Number(maxRecords);
    if (!Number.isInteger(size) || size < 1) throw apiError(400, `Invalid maxRecords: ${maxRecords}`);
    const offset = locator === undefined || locator === '' ? 0 : decodeLocator(locator);
    const { result } = job.outcome;
    if (offset === null || offset > result.totalSize)
      throw new SalesforceApiError(400, 'INVALID_LOCATOR', `Invalid locator: ${locator}`);
    const end = Math.min(result.totalSize, offset + size);
    const records = result.render(offset, end);
    return reply
      .code(200)
      .header('content-type', 'text/csv')
      .header('sforce-numberofrecords', String(records.length))
      .header('sforce-locator', end < result.totalSize ? encodeLocator(end) : 'null')
      .send(
        bulkResultsCsv(result.columns, records, {
          columnDelimiter: job.columnDelimiter,
          lineEnding: job.lineEnding,
        }),
      );
  });
}

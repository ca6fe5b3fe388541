import { z } from 'zod';
import {
  CreateTenantBodySchema,
  PatchTenantBodySchema,
  RunBodySchema,
  ScheduleBodySchema,
} from './admin-schemas.ts';

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return rest as JsonSchema;
}

const errorBody: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        fields: {
          type: 'array',
          items: {
            type: 'object',
            properties: { path: { type: 'string' }, message: { type: 'string' } },
          },
        },
      },
    },
  },
};

const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
const ok = (description: string) => ({ description, content: json({ type: 'object' }) });
const err = (description: string) => ({ description, content: json({ $ref: '#/components/schemas/Error' }) });
const tenantParam = { name: 'tenantId', in: 'path', required: true, schema: { type: 'string' } };

interface Operation {
  summary: string;
  body?: string;
  params?: Record<string, unknown>[];
  responses: Record<string, unknown>;
  open?: boolean;
}

function op(o: Operation): Record<string, unknown> {
  return {
    summary: o.summary,
    ...(o.params ? { parameters: o.params } : {}),
    ...(o.body
      ? { requestBody: { required: true, content: json({ $ref: `#/components/schemas/${o.body}` }) } }
      : {}),
    responses: {
      ...o.responses,
      ...(o.open ? {} : { '401': err('Missing or wrong bearer token (UNAUTHORIZED)') }),
    },
    ...(o.open ? { security: [] } : {}),
  };
}

/** The OpenAPI 3.1 document of the admin API; request bodies come from the zod schemas. */
export function buildOpenApiDocument(): Record<string, unknown> {
  const t = [tenantParam];
  return {
    openapi: '3.1.0',
    info: {
      title: 'pipeline-health admin API',
      version: '0.1.0',
      description: 'Tenants, schedules, runs, explanations and model reports. See docs/ADMIN.md.',
    },
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: errorBody,
        TenantCreate: schemaOf(CreateTenantBodySchema),
        TenantPatch: schemaOf(PatchTenantBodySchema),
        Schedule: schemaOf(ScheduleBodySchema),
        RunRequest: schemaOf(RunBodySchema),
      },
    },
    paths: {
      '/healthz': { get: op({ summary: 'Process is up', open: true, responses: { '200': ok('up') } }) },
      '/readyz': {
        get: op({
          summary: 'Redis answers PING',
          open: true,
          responses: { '200': ok('ready'), '503': ok('Redis unavailable') },
        }),
      },
      '/tenants': {
        get: op({
          summary: 'List tenants (file tenants are read-only)',
          responses: { '200': ok('tenants') },
        }),
        post: op({
          summary: 'Create a tenant (credentials encrypted at rest, never returned)',
          body: 'TenantCreate',
          responses: {
            '201': ok('created'),
            '400': err('VALIDATION_FAILED'),
            '409': err('TENANT_EXISTS'),
            '503': err('ENCRYPTION_KEY_MISSING'),
          },
        }),
      },
      '/tenants/{tenantId}': {
        get: op({
          summary: 'One tenant',
          params: t,
          responses: { '200': ok('tenant'), '404': err('TENANT_NOT_FOUND') },
        }),
        patch: op({
          summary: 'Change top-level fields; connection without auth keeps the credentials',
          params: t,
          body: 'TenantPatch',
          responses: {
            '200': ok('updated'),
            '400': err('VALIDATION_FAILED'),
            '409': err('TENANT_READ_ONLY'),
          },
        }),
        delete: op({
          summary: 'Delete a tenant and its schedules; ?purge=true also deletes its state',
          params: [...t, { name: 'purge', in: 'query', schema: { type: 'string', enum: ['true', 'false'] } }],
          responses: { '200': ok('deleted'), '404': err('TENANT_NOT_FOUND'), '409': err('TENANT_READ_ONLY') },
        }),
      },
      '/tenants/{tenantId}/schedule': {
        get: op({
          summary: 'Schedule with the next five runs',
          params: t,
          responses: { '200': ok('schedule') },
        }),
        put: op({
          summary: 'Replace the schedule',
          params: t,
          body: 'Schedule',
          responses: {
            '200': ok('schedule'),
            '400': err('VALIDATION_FAILED'),
            '409': err('TENANT_READ_ONLY'),
          },
        }),
      },
      '/tenants/{tenantId}/runs': {
        get: op({
          summary: 'Run history: status, step durations and counts, redacted error',
          params: [
            ...t,
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 50 } },
          ],
          responses: { '200': ok('runs') },
        }),
        post: op({
          summary: 'Run a cycle now (Idempotency-Key header: a repeat gets the same run)',
          params: [
            ...t,
            {
              name: 'Idempotency-Key',
              in: 'header',
              schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,200}$' },
            },
          ],
          body: 'RunRequest',
          responses: {
            '202': ok('queued, with runId'),
            '409': err('RUN_IN_PROGRESS, with the running runId; TENANT_PAUSED'),
          },
        }),
      },
      '/tenants/{tenantId}/pause': {
        post: op({
          summary: 'Pause: schedules removed, run-now refused',
          params: t,
          responses: { '200': ok('paused') },
        }),
      },
      '/tenants/{tenantId}/resume': {
        post: op({ summary: 'Resume a paused tenant', params: t, responses: { '200': ok('resumed') } }),
      },
      '/tenants/{tenantId}/report-links': {
        post: op({
          summary: 'A short-lived signed link to the tenant report page (body: { minutes })',
          params: t,
          responses: { '201': ok('url and expiresAt') },
        }),
      },
      '/audit': {
        get: op({
          summary: 'Audit log: token name, action, target, status, time, client address (admin tokens)',
          params: [{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 } }],
          responses: { '200': ok('entries'), '403': err('FORBIDDEN') },
        }),
      },
      '/logout': {
        post: op({ summary: 'End the browser session', open: true, responses: { '200': ok('logged out') } }),
      },
      '/tenants/{tenantId}/runs/{runId}': {
        get: op({
          summary: 'One run: steps so far, or its summary',
          params: [...t, { name: 'runId', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': ok('run'), '404': err('RUN_NOT_FOUND') },
        }),
      },
      '/tenants/{tenantId}/status': {
        get: op({
          summary: 'Last runs with step timings, API usage, errors and quarantined records',
          params: [
            ...t,
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 50 } },
          ],
          responses: { '200': ok('status') },
        }),
      },
      '/tenants/{tenantId}/deals/{dealId}/explain': {
        get: op({
          summary:
            "Every indicator of a deal's score with its evidence, and what would raise it (actions with the estimated lift)",
          params: [...t, { name: 'dealId', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': ok('explanation'), '404': err('DEAL_NOT_FOUND') },
        }),
      },
      '/tenants/{tenantId}/deals': {
        get: op({
          summary:
            'Open deals with their scores, worst first: deal, owner, stage, amount and currency, close date, score, band, top reason, link to the CRM record (the report page table)',
          params: [
            ...t,
            {
              name: 'owner',
              in: 'query',
              schema: { type: 'string' },
              description: "owner id; '' for deals without an owner",
            },
            { name: 'band', in: 'query', schema: { type: 'string', enum: ['healthy', 'watch', 'at_risk'] } },
          ],
          responses: { '200': ok('open deals'), '404': err('TENANT_NOT_FOUND') },
        }),
      },
      '/tenants/{tenantId}/elements': {
        get: op({
          summary: 'The seven survey elements across owners: per owner, the share of open deals weak on each',
          params: t,
          responses: { '200': ok('elements x owners'), '404': err('REPORT_NOT_FOUND') },
        }),
      },
      '/tenants/{tenantId}/model/report': {
        get: op({
          summary: 'Model quality report of the last training',
          params: t,
          responses: { '200': ok('report'), '404': err('REPORT_NOT_FOUND') },
        }),
      },
      '/tenants/{tenantId}/forecast': {
        get: op({
          summary:
            'Revenue forecast with ranges for the current and the next quarter (P10 / P50 / P90, chance of reaching the target, per owner, team and total) and its backtest (docs/FORECAST.md)',
          params: t,
          responses: { '200': ok('forecast'), '404': err('FORECAST_NOT_FOUND') },
        }),
      },
      '/tenants/{tenantId}/changes': {
        get: op({
          summary:
            'What changed since last week, per owner and team: close dates moved out of the quarter and pushed, amounts cut, new at-risk deals, band changes with their reason (docs/DIGEST.md)',
          params: t,
          responses: { '200': ok('what changed'), '404': err('REPORT_NOT_FOUND') },
        }),
      },
      '/tenants/{tenantId}/digest/deliveries': {
        get: op({
          summary:
            "The weekly digest webhook: its delivery log (per attempt: time, status, error) and each digest's state",
          params: t,
          responses: { '200': ok('delivery log'), '404': err('TENANT_NOT_FOUND') },
        }),
      },
      '/metrics': {
        get: op({ summary: 'Prometheus metrics (text format)', responses: { '200': ok('metrics') } }),
      },
      '/queues': {
        get: op({
          summary: 'bull-board queue dashboard (HTML; browser session via ?token=)',
          responses: { '200': ok('page') },
        }),
      },
      '/report/{tenantId}': {
        get: op({
          summary: 'Pipeline-health report page (HTML; browser session via ?token=)',
          params: [...t, { name: 'token', in: 'query', schema: { type: 'string' } }],
          responses: { '200': ok('page'), '404': err('TENANT_NOT_FOUND') },
        }),
      },
      '/report/{tenantId}/data.json': {
        get: op({
          summary: 'The data the report page draws',
          params: t,
          responses: { '200': ok('report data') },
        }),
      },
      '/report/{tenantId}/deals.csv': {
        get: op({
          summary:
            'The open-deals table as CSV (attachment), with the same filters; opened by a report link too',
          params: [
            ...t,
            {
              name: 'owner',
              in: 'query',
              schema: { type: 'string' },
              description: "owner id; '' for deals without an owner",
            },
            { name: 'band', in: 'query', schema: { type: 'string', enum: ['healthy', 'watch', 'at_risk'] } },
          ],
          responses: { '200': ok('CSV'), '404': err('TENANT_NOT_FOUND') },
        }),
      },
      '/tenants/{tenantId}/train': {
        post: op({
          summary: 'Train the model now',
          params: t,
          responses: { '202': ok('queued, with jobId') },
        }),
      },
    },
  };
}

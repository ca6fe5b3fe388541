import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { type HubSpotContext, nowIso } from './hubspot-context.ts';
import { HubSpotHttpError, notFound, propertyDoesntExist, validationError } from './hubspot-errors.ts';
import {
  associationTargetType,
  type HubSpotObjectType,
  recordId,
  recordN,
  resolveObjectType,
  singular,
} from './hubspot-object-types.ts';
import { runSearch } from './hubspot-search.ts';
import type { StoredRecord } from './hubspot-store.ts';

/** HubSpot's batch limit for CRM object endpoints. */
const BATCH_LIMIT = 100;
const LIST_MAX = 100;
/** With `propertiesWithHistory` HubSpot serves at most 50 records per page. */
const LIST_MAX_WITH_HISTORY = 50;

const DEFAULT_PROPERTIES: Record<HubSpotObjectType, string[]> = {
  deals: [
    'amount',
    'closedate',
    'createdate',
    'dealname',
    'dealstage',
    'hs_lastmodifieddate',
    'hs_object_id',
    'pipeline',
  ],
  contacts: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
  companies: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
  emails: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  calls: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  meetings: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  notes: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  tasks: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  goal_targets: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
};

const ALWAYS: Record<HubSpotObjectType, string[]> = {
  deals: ['hs_object_id', 'createdate', 'hs_lastmodifieddate'],
  contacts: ['hs_object_id', 'createdate', 'lastmodifieddate'],
  companies: ['hs_object_id', 'createdate', 'hs_lastmodifieddate'],
  emails: ['hs_object_id', 'hs_createdate', 'hs_lastmodifieddate'],
  calls: ['hs_object_id', 'hs_createdate', 'hs_lastmodifieddate'],
  meetings: ['hs_object_id', 'hs_createdate', 'hs_lastmodifieddate'],
  notes: ['hs_object_id', 'hs_createdate', 'hs_lastmodifieddate'],
  tasks: ['hs_object_id', 'hs_createdate', 'hs_lastmodifieddate'],
  goal_targets: ['hs_object_id', 'hs_createdate', 'hs_lastmodifieddate'],
};

interface RenderOptions {
  properties: string[] | undefined;
  propertiesWithHistory: string[] | undefined;
  associations: HubSpotObjectType[] | undefined;
}

const AssociationInputSchema = z.object({
  to: z.object({ id: z.union([z.string(), z.number()]).transform(String) }),
  types: z.array(z.object({ associationCategory: z.string(), associationTypeId: z.number().int() })).min(1),
});
const PropertiesSchema = z.record(z.string(), z.unknown());
const BatchReadSchema = z.object({
  inputs: z.array(z.object({ id: z.union([z.string(), z.number()]).transform(String) })),
  properties: z.array(z.string()).optional(),
  propertiesWithHistory: z.array(z.string()).optional(),
  idProperty: z.string().optional(),
});
const BatchCreateSchema = z.object({
  inputs: z.array(
    z.object({ properties: PropertiesSchema, associations: z.array(AssociationInputSchema).optional() }),
  ),
});
const BatchUpdateSchema = z.object({
  inputs: z.array(
    z.object({
      id: z.union([z.string(), z.number()]).transform(String),
      properties: PropertiesSchema,
      idProperty: z.string().optional(),
    }),
  ),
});
const BatchArchiveSchema = z.object({
  inputs: z.array(z.object({ id: z.union([z.string(), z.number()]).transform(String) })),
});
const SingleCreateSchema = z.object({
  properties: PropertiesSchema,
  associations: z.array(AssociationInputSchema).optional(),
});
const SingleUpdateSchema = z.object({ properties: PropertiesSchema });

interface BatchError {
  status: 'error';
  category: string;
  message: string;
  context: Record<string, string[]>;
  errors: unknown[];
  links: Record<string, string>;
  subCategory?: string;
}

/** Register CRM v3 object routes: list, get, create, update, archive, batch read/create/update/upsert/archive, search. */
export function registerObjectRoutes(app: FastifyInstance, ctx: HubSpotContext): void {
  const base = '/crm/v3/objects/:objectType';

  app.get(base, async (request) => {
    const type = objectTypeOf(request.params);
    const q = request.query as Record<string, unknown>;
    const options = renderOptions(q);
    const max = options.propertiesWithHistory ? LIST_MAX_WITH_HISTORY : LIST_MAX;
    const limit = Math.min(max, Math.max(1, intParam(q.limit, 10)));
    const archived = q.archived === 'true';
    const afterN = q.after === undefined || q.after === '' ? 0 : recordN(type, String(q.after));
    if (afterN === null) throw validationError(`Invalid after cursor: ${String(q.after)}`);
    const results: StoredRecord[] = [];
    let nextN: number | null = null;
    for (const n of ctx.store.ns(type, afterN)) {
      const record = ctx.store.get(type, n, archived);
      if (!record) continue;
      if (results.length === limit) {
        nextN = n;
        break;
      }
      results.push(record);
    }
    const body: Record<string, unknown> = {
      results: results.map((r) => renderRecord(ctx, type, r, options)),
    };
    if (nextN !== null) {
      const after = recordId(type, nextN);
      const link = new URL(`${ctx.baseUrl()}/crm/v3/objects/${type}`);
      for (const [k, v] of Object.entries(q)) {
        if (k === 'after') continue;
        for (const item of Array.isArray(v) ? v : [v]) link.searchParams.append(k, String(item));
      }
      link.searchParams.set('after', after);
      body.paging = { next: { after, link: link.toString() } };
    }
    return body;
  });

  app.get(`${base}/:objectId`, async (request) => {
    const type = objectTypeOf(request.params);
    const q = request.query as Record<string, unknown>;
    const { objectId } = request.params as { objectId: string };
    const record = findRecord(
      ctx,
      type,
      objectId,
      typeof q.idProperty === 'string' ? q.idProperty : undefined,
      q.archived === 'true',
    );
    if (!record) throw notFound(`Object not found.  objectId are usually numeric.`);
    return renderRecord(ctx, type, record, renderOptions(q));
  });

  app.post(base, async (request, reply) => {
    const type = objectTypeOf(request.params);
    const input = parse(SingleCreateSchema, request.body);
    rejectUnknownProperties(ctx, type, [input.properties]);
    const result = createOne(ctx, type, input);
    if ('error' in result) throw validationError(result.error.message, { context: result.error.context });
    return reply
      .code(201)
      .send(renderRecord(ctx, type, result.record, writtenOptions(type, input.properties)));
  });

  app.patch(`${base}/:objectId`, async (request) => {
    const type = objectTypeOf(request.params);
    const { objectId } = request.params as { objectId: string };
    const q = request.query as Record<string, unknown>;
    const input = parse(SingleUpdateSchema, request.body);
    rejectUnknownProperties(ctx, type, [input.properties]);
    const record = findRecord(
      ctx,
      type,
      objectId,
      typeof q.idProperty === 'string' ? q.idProperty : undefined,
      false,
    );
    if (!record) throw notFound(`resource not found`);
    const result = updateOne(ctx, type, record, input.properties);
    if ('error' in result) throw validationError(result.error.message, { context: result.error.context });
    return renderRecord(ctx, type, result.record, writtenOptions(type, input.properties));
  });

  app.delete(`${base}/:objectId`, async (request, reply) => {
    const type = objectTypeOf(request.params);
    const { objectId } = request.params as { objectId: string };
    const record = ctx.store.getById(type, objectId);
    // Archiving a missing or archived record is a no-op 204 in HubSpot.
    if (record) ctx.store.archive(type, record.n, nowIso(ctx));
    return reply.code(204).send();
  });

  app.post(`${base}/batch/read`, async (request, reply) => {
    const type = objectTypeOf(request.params);
    const q = request.query as Record<string, unknown>;
    const input = parse(BatchReadSchema, request.body);
    checkBatchSize(input.inputs.length);
    const startedAt = nowIso(ctx);
    const options: RenderOptions = {
      properties: input.properties,
      propertiesWithHistory: input.propertiesWithHistory,
      associations: undefined,
    };
    const results: unknown[] = [];
    const missing: string[] = [];
    for (const { id } of input.inputs) {
      const record = findRecord(ctx, type, id, input.idProperty, q.archived === 'true');
      if (record) results.push(renderRecord(ctx, type, record, options));
      else missing.push(id);
    }
    const errors: BatchError[] =
      missing.length === 0
        ? []
        : [
            batchError(
              'OBJECT_NOT_FOUND',
              `Could not get some ${singular(type)} objects, they may be deleted or not exist. Check that ids are valid.`,
              { ids: missing },
            ),
          ];
    return sendBatch(reply, ctx, 200, startedAt, results, errors);
  });

  app.post(`${base}/batch/create`, async (request, reply) => {
    const type = objectTypeOf(request.params);
    const input = parse(BatchCreateSchema, request.body);
    return answerBatchWrite(reply, ctx, type, 201, input.inputs, (item) => {
      const result = createOne(ctx, type, item);
      return 'error' in result
        ? result
        : { result: renderRecord(ctx, type, result.record, writtenOptions(type, item.properties)) };
    });
  });

  app.post(`${base}/batch/update`, async (request, reply) => {
    const type = objectTypeOf(request.params);
    const input = parse(BatchUpdateSchema, request.body);
    const rejectDuplicateIds = () => {
      const ids = input.inputs.map((i) => i.id);
      const duplicates = ids.filter((id, i) => ids.indexOf(id) !== i);
      if (duplicates.length > 0) {
        throw validationError(
          `Duplicate IDs found in batch input: [${[...new Set(duplicates)].join(', ')}]. IDs must be unique`,
        );
      }
    };
    return answerBatchWrite(
      reply,
      ctx,
      type,
      200,
      input.inputs,
      (item) => {
        const record = findRecord(ctx, type, item.id, item.idProperty, false);
        if (!record)
          return {
            error: batchError('OBJECT_NOT_FOUND', `Object not found: ${item.id}`, { ids: [item.id] }),
          };
        const result = updateOne(ctx, type, record, item.properties);
        return 'error' in result
          ? result
          : { result: renderRecord(ctx, type, result.record, writtenOptions(type, item.properties)) };
      },
      rejectDuplicateIds,
    );
  });

  app.post(`${base}/batch/upsert`, async (request, reply) => {
    const type = objectTypeOf(request.params);
    const input = parse(BatchUpdateSchema, request.body);
    return answerBatchWrite(reply, ctx, type, 200, input.inputs, (item) => {
      const idProperty = item.idProperty ?? 'hs_object_id';
      if (idProperty !== 'hs_object_id') {
        const def = ctx.registry.get(type, idProperty);
        if (!def?.hasUniqueValue && idProperty !== 'email') {
          throw validationError(`Property ${idProperty} is not a unique identifier property for ${type}`);
        }
      }
      const record = findRecord(ctx, type, item.id, idProperty, false);
      if (record) {
        const result = updateOne(ctx, type, record, item.properties);
        return 'error' in result
          ? result
          : {
              result: {
                ...renderRecord(ctx, type, result.record, writtenOptions(type, item.properties)),
                new: false,
              },
            };
      }
      if (idProperty === 'hs_object_id')
        return { error: batchError('OBJECT_NOT_FOUND', `Object not found: ${item.id}`, { ids: [item.id] }) };
      const properties = { ...item.properties, [idProperty]: item.id };
      const result = createOne(ctx, type, { properties });
      return 'error' in result
        ? result
        : {
            result: {
              ...renderRecord(ctx, type, result.record, writtenOptions(type, properties)),
              new: true,
            },
          };
    });
  });

  app.post(`${base}/batch/archive`, async (request, reply) => {
    const type = objectTypeOf(request.params);
    const input = parse(BatchArchiveSchema, request.body);
    checkBatchSize(input.inputs.length);
    for (const { id } of input.inputs) {
      const record = ctx.store.getById(type, id);
      if (record) ctx.store.archive(type, record.n, nowIso(ctx));
    }
    return reply.code(204).send();
  });

  app.post(`${base}/search`, async (request) => {
    const type = objectTypeOf(request.params);
    const {
      total,
      results,
      after,
      request: search,
    } = runSearch(ctx.store, ctx.registry, type, request.body, ctx.clock());
    const options: RenderOptions = {
      properties: search.properties,
      propertiesWithHistory: undefined,
      associations: undefined,
    };
    const body: Record<string, unknown> = {
      total,
      results: results.map((r) => renderRecord(ctx, type, r, options)),
    };
    if (after !== null) body.paging = { next: { after } };
    return body;
  });
}

function objectTypeOf(params: unknown): HubSpotObjectType {
  const { objectType } = params as { objectType: string };
  const type = resolveObjectType(objectType);
  if (!type) {
    throw new HubSpotHttpError(400, {
      message: `Unable to infer object type from: ${objectType}`,
      category: 'VALIDATION_ERROR',
    });
  }
  return type;
}

function parse<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body);
  if (!result.success) {
    throw validationError(
      `Invalid input JSON: ${result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`,
    );
  }
  return result.data;
}

/** HubSpot refuses a whole write that names a property the portal does not have (400 PROPERTY_DOESNT_EXIST). */
function rejectUnknownProperties(
  ctx: HubSpotContext,
  type: HubSpotObjectType,
  propertySets: readonly Record<string, unknown>[],
): void {
  const unknown = [...new Set(propertySets.flatMap((p) => ctx.registry.unknownNames(type, p)))];
  if (unknown.length > 0) throw propertyDoesntExist(unknown, type);
}

/**
 * A batch create/update/upsert as HubSpot answers it: the whole batch is refused for too many
 * inputs, for what `validate` finds, or for an unknown property; otherwise `one` runs per input and
 * its result or error joins one answer (207 when any input failed).
 */
function answerBatchWrite<T extends { properties: Record<string, unknown> }>(
  reply: FastifyReply,
  ctx: HubSpotContext,
  type: HubSpotObjectType,
  okStatus: number,
  inputs: readonly T[],
  one: (item: T) => { result: unknown } | { error: BatchError },
  validate?: () => void,
): FastifyReply {
  checkBatchSize(inputs.length);
  validate?.();
  rejectUnknownProperties(
    ctx,
    type,
    inputs.map((i) => i.properties),
  );
  const startedAt = nowIso(ctx);
  const results: unknown[] = [];
  const errors: BatchError[] = [];
  for (const item of inputs) {
    const outcome = one(item);
    if ('error' in outcome) errors.push(outcome.error);
    else results.push(outcome.result);
  }
  return sendBatch(reply, ctx, okStatus, startedAt, results, errors);
}

function checkBatchSize(count: number): void {
  if (count > BATCH_LIMIT) {
    throw validationError(`Batch input must contain at most ${BATCH_LIMIT} inputs, got ${count}`, {
      context: { maxInputs: [String(BATCH_LIMIT)], inputs: [String(count)] },
    });
  }
}

function intParam(value: unknown, fallback: number): number {
  const n = Number(Array.isArray(value) ? value[0] : value);
  return Number.isFinite(n) && value !== undefined ? Math.floor(n) : fallback;
}

/** Query lists come repeated (`properties=a&properties=b`) or comma-separated. */
function listParam(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const items = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(','));
  const cleaned = items.map((s) => s.trim()).filter((s) => s.length > 0);
  return cleaned.length > 0 ? cleaned : undefined;
}

function renderOptions(q: Record<string, unknown>): RenderOptions {
  const associations = listParam(q.associations)
    ?.map((a) => resolveObjectType(a))
    .filter((t): t is HubSpotObjectType => t !== null);
  return {
    properties: listParam(q.properties),
    propertiesWithHistory: listParam(q.propertiesWithHistory),
    associations,
  };
}

function writtenOptions(type: HubSpotObjectType, properties: Record<string, unknown>): RenderOptions {
  return {
    properties: [...new Set([...DEFAULT_PROPERTIES[type], ...Object.keys(properties)])],
    propertiesWithHistory: undefined,
    associations: undefined,
  };
}

/** Render a record as the API returns it. */
function renderRecord(
  ctx: HubSpotContext,
  type: HubSpotObjectType,
  record: StoredRecord,
  options: RenderOptions,
): Record<string, unknown> {
  const names = options.properties
    ? [...new Set([...options.properties, ...ALWAYS[type]])]
    : DEFAULT_PROPERTIES[type];
  const properties: Record<string, string | null> = {};
  for (const name of names) {
    if (name in record.properties) properties[name] = record.properties[name] ?? null;
    else if (ctx.registry.get(type, name)) properties[name] = null;
  }
  const out: Record<string, unknown> = { id: record.id, properties };
  if (options.propertiesWithHistory) {
    const history: Record<string, unknown> = {};
    for (const name of options.propertiesWithHistory) {
      if (ctx.registry.get(type, name)) history[name] = ctx.store.history(type, record, name);
    }
    out.propertiesWithHistory = history;
  }
  out.createdAt = record.createdAt;
  out.updatedAt = record.updatedAt;
  out.archived = record.archived;
  if (record.archivedAt) out.archivedAt = record.archivedAt;
  if (options.associations) {
    const associations: Record<string, unknown> = {};
    for (const to of options.associations) {
      const list = ctx.store.associations(type, record.n, to);
      if (list.length === 0) continue;
      associations[to] = {
        results: list.map((a) => ({ id: a.toId, type: `${singular(type)}_to_${singular(to)}` })),
      };
    }
    if (Object.keys(associations).length > 0) out.associations = associations;
  }
  return out;
}

function findRecord(
  ctx: HubSpotContext,
  type: HubSpotObjectType,
  id: string,
  idProperty: string | undefined,
  archived: boolean,
): StoredRecord | null {
  if (!idProperty || idProperty === 'hs_object_id') return ctx.store.getById(type, id, archived);
  for (const n of ctx.store.ns(type)) {
    const record = ctx.store.get(type, n, archived);
    if (record && record.properties[idProperty] === id) return record;
  }
  return null;
}

function batchError(
  category: string,
  message: string,
  context: Record<string, string[]>,
  subCategory?: string,
): BatchError {
  const error: BatchError = { status: 'error', category, message, context, errors: [], links: {} };
  if (subCategory) error.subCategory = subCategory;
  return error;
}

function sendBatch(
  reply: FastifyReply,
  ctx: HubSpotContext,
  okStatus: number,
  startedAt: string,
  results: unknown[],
  errors: BatchError[],
): FastifyReply {
  const body: Record<string, unknown> = { status: 'COMPLETE', results, startedAt, completedAt: nowIso(ctx) };
  if (errors.length > 0) {
    body.numErrors = errors.length;
    body.errors = errors;
  }
  return reply.code(errors.length > 0 ? 207 : okStatus).send(body);
}

type WriteResult = { record: StoredRecord } | { error: BatchError };

function createOne(
  ctx: HubSpotContext,
  type: HubSpotObjectType,
  input: {
    properties: Record<string, unknown>;
    associations?:
      | { to: { id: string }; types: { associationCategory: string; associationTypeId: number }[] }[]
      | undefined;
  },
): WriteResult {
  const normalized = ctx.registry.normalize(type, input.properties);
  if (!normalized.ok) {
    return {
      error: batchError(
        'VALIDATION_ERROR',
        normalized.message,
        { propertyName: [normalized.propertyName] },
        'INVALID_PROPERTY_VALUE',
      ),
    };
  }
  const required =
    type === 'deals'
      ? ['dealname']
      : ['emails', 'calls', 'meetings', 'notes', 'tasks'].includes(type)
        ? ['hs_timestamp']
        : [];
  const absent = required.filter(
    (name) => normalized.values[name] === undefined || normalized.values[name] === null,
  );
  if (absent.length > 0) {
    return {
      error: batchError(
        'VALIDATION_ERROR',
        `Missing required properties: ${absent.join(', ')}`,
        { propertyName: absent },
        'REQUIRED_PROPERTY',
      ),
    };
  }
  // Check associations before creating anything, so a failed input leaves nothing behind.
  const links: { to: HubSpotObjectType; toId: string; typeIds: number[] }[] = [];
  for (const assoc of input.associations ?? []) {
    const typeId = assoc.types[0]!.associationTypeId;
    const to = associationTargetType(type, typeId);
    if (!to || !ctx.store.getById(to, assoc.to.id)) {
      return {
        error: batchError(
          'VALIDATION_ERROR',
          `Invalid association: ${assoc.to.id} with type ${typeId} from ${singular(type)}`,
          {
            toId: [assoc.to.id],
          },
        ),
      };
    }
    links.push({ to, toId: assoc.to.id, typeIds: assoc.types.map((t) => t.associationTypeId) });
  }
  const at = nowIso(ctx);
  const n = ctx.store.create(type, normalized.values, at);
  const id = recordId(type, n);
  for (const link of links) ctx.store.associate(type, id, link.to, link.toId, link.typeIds, at);
  ctx.recorder.recordWrite({
    at,
    objectType: type,
    recordId: id,
    operation: 'create',
    values: normalized.values,
  });
  return { record: ctx.store.get(type, n)! };
}

function updateOne(
  ctx: HubSpotContext,
  type: HubSpotObjectType,
  record: StoredRecord,
  properties: Record<string, unknown>,
): WriteResult {
  const injected = ctx.faults.failRecords[record.id];
  if (injected !== undefined) {
    return { error: batchError('VALIDATION_ERROR', injected, { id: [record.id] }, 'INVALID_PROPERTY_VALUE') };
  }
  const normalized = ctx.registry.normalize(type, properties);
  if (!normalized.ok) {
    return {
      error: batchError(
        'VALIDATION_ERROR',
        normalized.message,
        { id: [record.id], propertyName: [normalized.propertyName] },
        'INVALID_PROPERTY_VALUE',
      ),
    };
  }
  const at = nowIso(ctx);
  ctx.store.update(type, record.n, normalized.values, at);
  ctx.recorder.recordWrite({
    at,
    objectType: type,
    recordId: record.id,
    operation: 'update',
    values: normalized.values,
  });
  return { record: ctx.store.get(type, record.n)! };
}

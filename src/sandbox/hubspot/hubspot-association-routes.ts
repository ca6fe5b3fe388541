import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { type HubSpotContext, nowIso } from './hubspot-context.ts';
import { HubSpotHttpError, notFound, validationError } from './hubspot-errors.ts';
import {
  associationType,
  type HubSpotObjectType,
  OBJECT_TYPE_IDS,
  recordN,
  resolveObjectType,
  singular,
} from './hubspot-object-types.ts';

/** Associations v4 batch read accepts at most 1,000 inputs. */
const ASSOCIATION_BATCH_LIMIT = 1000;
/** Associations returned per input before paging. */
const ASSOCIATIONS_PER_PAGE = 500;

const IdSchema = z.union([z.string(), z.number()]).transform(String);
const SpecSchema = z.object({
  associationCategory: z.enum(['HUBSPOT_DEFINED', 'USER_DEFINED', 'INTEGRATOR_DEFINED']),
  associationTypeId: z.number().int(),
});
const BatchReadSchema = z.object({
  inputs: z.array(z.object({ id: IdSchema, after: z.string().optional() })),
});
const BatchCreateSchema = z.object({
  inputs: z.array(
    z.object({
      from: z.object({ id: IdSchema }),
      to: z.object({ id: IdSchema }),
      types: z.array(SpecSchema).min(1),
    }),
  ),
});
const BatchDefaultSchema = z.object({
  inputs: z.array(z.object({ from: z.object({ id: IdSchema }), to: z.object({ id: IdSchema }) })),
});
const BatchArchiveSchema = z.object({
  inputs: z.array(z.object({ from: z.object({ id: IdSchema }), to: z.array(z.object({ id: IdSchema })) })),
});

/**
 * Standard HubSpot objects the sandbox world holds none of. Association reads to or from them answer
 * like any record without associations (reads by other clients must not fail with 400).
 */
const UNMODELLED_STANDARD: Record<string, string> = {
  tickets: 'ticket',
  ticket: 'ticket',
  '0-5': 'ticket',
  line_items: 'line_item',
  line_item: 'line_item',
  '0-8': 'line_item',
  products: 'product',
  product: 'product',
  '0-7': 'product',
  quotes: 'quote',
  quote: 'quote',
  '0-14': 'quote',
};

function unmodelled(params: unknown): { from: string; to: string } | null {
  const { fromObjectType, toObjectType } = params as { fromObjectType: string; toObjectType: string };
  const f = UNMODELLED_STANDARD[fromObjectType.toLowerCase()];
  const t = UNMODELLED_STANDARD[toObjectType.toLowerCase()];
  if (f === undefined && t === undefined) return null;
  const name = (segment: string, known: string | undefined) => {
    if (known !== undefined) return known;
    const type = resolveObjectType(segment);
    if (type === null) throw validationError(`Unknown object type: ${segment}`);
    return singular(type);
  };
  return { from: name(fromObjectType, f), to: name(toObjectType, t) };
}

/** Register Associations v4 routes (batch read/create/associate default/archive, per-record create/list/delete). */
export function registerAssociationRoutes(app: FastifyInstance, ctx: HubSpotContext): void {
  app.post('/crm/v4/associations/:fromObjectType/:toObjectType/batch/read', async (request, reply) => {
    const none = unmodelled(request.params);
    if (none !== null) {
      const inputs = parse(BatchReadSchema, request.body).inputs;
      const errors = inputs.map(({ id }) => ({
        status: 'error',
        category: 'OBJECT_NOT_FOUND',
        subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND',
        message: `No ${none.to} is associated with ${none.from} ${id}.`,
        context: { fromObjectId: [id], fromObjectType: [none.from], toObjectType: [none.to] },
        errors: [],
        links: {},
      }));
      const at = nowIso(ctx);
      const body = { status: 'COMPLETE', results: [], startedAt: at, completedAt: at };
      return errors.length === 0
        ? reply.code(200).send(body)
        : reply.code(207).send({ ...body, numErrors: errors.length, errors });
    }
    const { from, to } = pair(request.params);
    const input = parse(BatchReadSchema, request.body);
    if (input.inputs.length > ASSOCIATION_BATCH_LIMIT) {
      throw validationError(
        `Batch input must contain at most ${ASSOCIATION_BATCH_LIMIT} inputs, got ${input.inputs.length}`,
      );
    }
    const startedAt = nowIso(ctx);
    const results: unknown[] = [];
    const errors: unknown[] = [];
    for (const { id, after } of input.inputs) {
      const n = recordN(from, id);
      const all = n === null ? [] : ctx.store.associations(from, n, to);
      const offset = after ? Number(after) : 0;
      const page = all.slice(offset, offset + ASSOCIATIONS_PER_PAGE);
      if (page.length === 0) {
        // HubSpot reports inputs without associations as errors (207), not as empty results.
        errors.push({
          status: 'error',
          category: 'OBJECT_NOT_FOUND',
          subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND',
          message: `No ${singular(to)} is associated with ${singular(from)} ${id}.`,
          context: { fromObjectId: [id], fromObjectType: [singular(from)], toObjectType: [singular(to)] },
          errors: [],
          links: {},
        });
        continue;
      }
      const result: Record<string, unknown> = {
        from: { id },
        to: page.map((a) => ({
          toObjectId: Number(a.toId),
          associationTypes: a.typeIds.map((t) => spec(from, to, t)),
        })),
      };
      if (offset + ASSOCIATIONS_PER_PAGE < all.length) {
        result.paging = { next: { after: String(offset + ASSOCIATIONS_PER_PAGE) } };
      }
      results.push(result);
    }
    const body: Record<string, unknown> = {
      status: 'COMPLETE',
      results,
      startedAt,
      completedAt: nowIso(ctx),
    };
    if (errors.length > 0) {
      body.numErrors = errors.length;
      body.errors = errors;
    }
    return reply.code(errors.length > 0 ? 207 : 200).send(body);
  });

  app.post('/crm/v4/associations/:fromObjectType/:toObjectType/batch/create', async (request, reply) => {
    const { from, to } = pair(request.params);
    const input = parse(BatchCreateSchema, request.body);
    checkSize(input.inputs.length);
    const startedAt = nowIso(ctx);
    const results = input.inputs.map((i) => {
      ensureExists(ctx, from, i.from.id);
      ensureExists(ctx, to, i.to.id);
      ctx.store.associate(
        from,
        i.from.id,
        to,
        i.to.id,
        i.types.map((t) => t.associationTypeId),
        nowIso(ctx),
      );
      return labelled(from, to, i.from.id, i.to.id);
    });
    return reply.code(201).send({ status: 'COMPLETE', results, startedAt, completedAt: nowIso(ctx) });
  });

  app.post('/crm/v4/associations/:fromObjectType/:toObjectType/batch/associate/default', async (request) => {
    const { from, to } = pair(request.params);
    const input = parse(BatchDefaultSchema, request.body);
    checkSize(input.inputs.length);
    const startedAt = nowIso(ctx);
    const typeId = defaultTypeId(from, to);
    const results = input.inputs.map((i) => {
      ensureExists(ctx, from, i.from.id);
      ensureExists(ctx, to, i.to.id);
      ctx.store.associate(from, i.from.id, to, i.to.id, [typeId], nowIso(ctx));
      return {
        from: { id: i.from.id },
        to: { id: i.to.id },
        associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeId },
      };
    });
    return { status: 'COMPLETE', results, startedAt, completedAt: nowIso(ctx) };
  });

  app.post('/crm/v4/associations/:fromObjectType/:toObjectType/batch/archive', async (request, reply) => {
    const { from, to } = pair(request.params);
    const input = parse(BatchArchiveSchema, request.body);
    checkSize(input.inputs.length);
    for (const i of input.inputs)
      for (const t of i.to) ctx.store.dissociate(from, i.from.id, to, t.id, nowIso(ctx));
    return reply.code(204).send();
  });

  app.put(
    '/crm/v4/objects/:fromObjectType/:objectId/associations/default/:toObjectType/:toObjectId',
    async (request) => {
      const { from, to } = pair(request.params);
      const { objectId, toObjectId } = request.params as { objectId: string; toObjectId: string };
      ensureExists(ctx, from, objectId);
      ensureExists(ctx, to, toObjectId);
      const typeId = defaultTypeId(from, to);
      const startedAt = nowIso(ctx);
      ctx.store.associate(from, objectId, to, toObjectId, [typeId], nowIso(ctx));
      return {
        status: 'COMPLETE',
        results: [
          {
            from: { id: objectId },
            to: { id: toObjectId },
            associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeId },
          },
        ],
        startedAt,
        completedAt: nowIso(ctx),
      };
    },
  );

  app.put(
    '/crm/v4/objects/:fromObjectType/:objectId/associations/:toObjectType/:toObjectId',
    async (request, reply) => {
      const { from, to } = pair(request.params);
      const { objectId, toObjectId } = request.params as { objectId: string; toObjectId: string };
      const specs = parse(z.array(SpecSchema).min(1), request.body);
      ensureExists(ctx, from, objectId);
      ensureExists(ctx, to, toObjectId);
      ctx.store.associate(
        from,
        objectId,
        to,
        toObjectId,
        specs.map((s) => s.associationTypeId),
        nowIso(ctx),
      );
      return reply.code(201).send(labelled(from, to, objectId, toObjectId));
    },
  );

  app.get('/crm/v4/objects/:fromObjectType/:objectId/associations/:toObjectType', async (request) => {
    if (unmodelled(request.params) !== null) return { results: [] };
    const { from, to } = pair(request.params);
    const { objectId } = request.params as { objectId: string };
    const q = request.query as Record<string, string | undefined>;
    const n = recordN(from, objectId);
    const all = n === null ? [] : ctx.store.associations(from, n, to);
    const limit = Math.min(500, Math.max(1, Number(q.limit ?? 500) || 500));
    const offset = q.after ? Number(q.after) : 0;
    const page = all.slice(offset, offset + limit);
    const body: Record<string, unknown> = {
      results: page.map((a) => ({
        toObjectId: Number(a.toId),
        associationTypes: a.typeIds.map((t) => spec(from, to, t)),
      })),
    };
    if (offset + limit < all.length) body.paging = { next: { after: String(offset + limit) } };
    return body;
  });

  app.delete(
    '/crm/v4/objects/:fromObjectType/:objectId/associations/:toObjectType/:toObjectId',
    async (request, reply) => {
      const { from, to } = pair(request.params);
      const { objectId, toObjectId } = request.params as { objectId: string; toObjectId: string };
      ctx.store.dissociate(from, objectId, to, toObjectId, nowIso(ctx));
      return reply.code(204).send();
    },
  );
}

function pair(params: unknown): { from: HubSpotObjectType; to: HubSpotObjectType } {
  const { fromObjectType, toObjectType } = params as { fromObjectType: string; toObjectType: string };
  const from = resolveObjectType(fromObjectType);
  const to = resolveObjectType(toObjectType);
  if (!from || !to) {
    throw new HubSpotHttpError(400, {
      message: `Unknown object type: ${from ? toObjectType : fromObjectType}`,
      category: 'VALIDATION_ERROR',
    });
  }
  return { from, to };
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

function checkSize(count: number): void {
  if (count > ASSOCIATION_BATCH_LIMIT) {
    throw validationError(`Batch input must contain at most ${ASSOCIATION_BATCH_LIMIT} inputs, got ${count}`);
  }
}

function ensureExists(ctx: HubSpotContext, type: HubSpotObjectType, id: string): void {
  if (!ctx.store.getById(type, id)) throw notFound(`No ${singular(type)} with id ${id} exists.`);
}

function defaultTypeId(from: HubSpotObjectType, to: HubSpotObjectType): number {
  const def = associationType(from, to);
  if (!def) throw validationError(`No default association type from ${from} to ${to}`);
  return def.id;
}

function spec(
  from: HubSpotObjectType,
  to: HubSpotObjectType,
  typeId: number,
): { category: string; typeId: number; label: string | null } {
  const def = associationType(from, to);
  return {
    category: 'HUBSPOT_DEFINED',
    typeId,
    label: def?.primary === typeId ? 'Primary' : null,
  };
}

function labelled(
  from: HubSpotObjectType,
  to: HubSpotObjectType,
  fromId: string,
  toId: string,
): Record<string, unknown> {
  return {
    fromObjectTypeId: OBJECT_TYPE_IDS[from],
    fromObjectId: Number(fromId),
    toObjectTypeId: OBJECT_TYPE_IDS[to],
    toObjectId: Number(toId),
    labels: [],
  };
}

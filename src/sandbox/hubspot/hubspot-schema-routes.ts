import type { FastifyInstance } from 'fastify';
import { type HubSpotContext, nowIso } from './hubspot-context.ts';
import { HubSpotHttpError, notFound, validationError } from './hubspot-errors.ts';
import {
  type HubSpotObjectType,
  OWNER_ID_OFFSET,
  resolveObjectType,
  USER_ID_OFFSET,
} from './hubspot-object-types.ts';
import type { HubSpotProperty } from './hubspot-properties.ts';

const OWNERS_MAX = 500;

/** Register properties, property groups, deal pipelines and owners. */
export function registerSchemaRoutes(app: FastifyInstance, ctx: HubSpotContext): void {
  const props = '/crm/v3/properties/:objectType';

  app.get(props, async (request) => ({ results: ctx.registry.list(typeOf(request.params)) }));

  // Legacy properties API v2, still sent by older clients: a bare array of definitions with
  // epoch-ms dates and the v2 flag names.
  app.get('/properties/v2/:objectType/properties', async (request) =>
    ctx.registry.list(typeOf(request.params)).map((p) => ({
      name: p.name,
      label: p.label,
      description: p.description,
      groupName: p.groupName,
      type: p.type,
      fieldType: p.fieldType,
      options: p.options.map((o) => ({ ...o, readOnly: p.modificationMetadata.readOnlyDefinition })),
      displayOrder: p.displayOrder,
      calculated: p.calculated,
      externalOptions: p.externalOptions,
      hasUniqueValue: p.hasUniqueValue,
      hidden: p.hidden,
      hubspotDefined: p.hubspotDefined,
      formField: p.formField,
      readOnlyValue: p.modificationMetadata.readOnlyValue,
      readOnlyDefinition: p.modificationMetadata.readOnlyDefinition,
      mutableDefinitionNotDeletable: p.hubspotDefined,
      deleted: p.archived,
      createdAt: Date.parse(p.createdAt),
      updatedAt: Date.parse(p.updatedAt),
    })),
  );

  app.post(props, async (request, reply) => {
    const type = typeOf(request.params);
    const property = ctx.registry.create(type, (request.body ?? {}) as Partial<HubSpotProperty>, nowIso(ctx));
    return reply.code(201).send(property);
  });

  app.post(`${props}/batch/create`, async (request, reply) => {
    const type = typeOf(request.params);
    const inputs = ((request.body ?? {}) as { inputs?: Partial<HubSpotProperty>[] }).inputs ?? [];
    const startedAt = nowIso(ctx);
    const results: HubSpotProperty[] = [];
    const errors: unknown[] = [];
    for (const input of inputs) {
      try {
        results.push(ctx.registry.create(type, input, nowIso(ctx)));
      } catch (error) {
        if (!(error instanceof HubSpotHttpError)) throw error;
        errors.push({ ...error.body, status: 'error', context: { name: [input.name ?? ''] } });
      }
    }
    const body: Record<string, unknown> = {
      status: 'COMPLETE',
      results,
      startedAt,
      completedAt: nowIso(ctx),
    };
    if (errors.length > 0) Object.assign(body, { numErrors: errors.length, errors });
    return reply.code(errors.length > 0 ? 207 : 201).send(body);
  });

  app.post(`${props}/batch/read`, async (request) => {
    const type = typeOf(request.params);
    const inputs = ((request.body ?? {}) as { inputs?: { name: string }[] }).inputs ?? [];
    const startedAt = nowIso(ctx);
    const results = inputs.map((i) => ctx.registry.get(type, i.name)).filter((p) => p !== undefined);
    return { status: 'COMPLETE', results, startedAt, completedAt: nowIso(ctx) };
  });

  app.get(`${props}/groups`, async (request) => ({ results: ctx.registry.groups(typeOf(request.params)) }));

  app.post(`${props}/groups`, async (request, reply) => {
    const type = typeOf(request.params);
    const group = ctx.registry.createGroup(type, (request.body ?? {}) as { name?: string; label?: string });
    return reply.code(201).send(group);
  });

  app.get(`${props}/groups/:groupName`, async (request) => {
    const { groupName } = request.params as { groupName: string };
    const group = ctx.registry.group(typeOf(request.params), groupName);
    if (!group) throw notFound(`Unable to find property group ${groupName}`);
    return group;
  });

  app.get(`${props}/:propertyName`, async (request) => {
    const { propertyName } = request.params as { propertyName: string };
    const property = ctx.registry.get(typeOf(request.params), propertyName);
    if (!property) {
      throw new HubSpotHttpError(404, {
        message: `Unable to find property ${propertyName}`,
        category: 'OBJECT_NOT_FOUND',
      });
    }
    return property;
  });

  app.get('/crm/v3/pipelines/:objectType', async (request) => {
    const type = typeOf(request.params);
    return { results: type === 'deals' ? pipelines(ctx) : [] };
  });

  app.get('/crm/v3/pipelines/:objectType/:pipelineId', async (request) => {
    const type = typeOf(request.params);
    const { pipelineId } = request.params as { pipelineId: string };
    const pipeline = type === 'deals' ? pipelines(ctx).find((p) => p.id === pipelineId) : undefined;
    if (!pipeline) throw notFound(`Unable to find pipeline ${pipelineId}`);
    return pipeline;
  });

  app.get('/crm/v3/pipelines/:objectType/:pipelineId/stages', async (request) => {
    const { pipelineId } = request.params as { pipelineId: string };
    const pipeline = pipelines(ctx).find((p) => p.id === pipelineId);
    if (!pipeline) throw notFound(`Unable to find pipeline ${pipelineId}`);
    return { results: pipeline.stages };
  });

  app.get('/crm/v3/owners', async (request) => {
    const q = request.query as Record<string, string | undefined>;
    const limit = Math.min(OWNERS_MAX, Math.max(1, Number(q.limit ?? 100) || 100));
    // archived=true: only the archived (deactivated) owners; otherwise only the current ones.
    const archived = q.archived === 'true';
    let all = ctx.store.world.owners.filter((o) => (o.active === false) === archived);
    if (q.email) all = all.filter((o) => o.email.toLowerCase() === q.email?.toLowerCase());
    const start = q.after ? all.findIndex((o) => String(OWNER_ID_OFFSET + o.n) === q.after) : 0;
    if (start < 0) throw validationError(`Invalid after cursor: ${q.after}`);
    const page = all.slice(start, start + limit);
    const body: Record<string, unknown> = { results: page.map((o) => owner(ctx, o.n)) };
    const next = all[start + limit];
    if (next) {
      const after = String(OWNER_ID_OFFSET + next.n);
      body.paging = {
        next: {
          after,
          link: `${ctx.baseUrl()}/crm/v3/owners/?after=${after}&limit=${limit}${archived ? '&archived=true' : ''}`,
        },
      };
    }
    return body;
  });

  app.get('/crm/v3/owners/:ownerId', async (request) => {
    const { ownerId } = request.params as { ownerId: string };
    const q = request.query as Record<string, string | undefined>;
    const offset = q.idProperty === 'userId' ? USER_ID_OFFSET : OWNER_ID_OFFSET;
    const n = Number(ownerId) - offset;
    const archived = q.archived === 'true';
    const found = ctx.store.world.owners.find((o) => o.n === n);
    if (!found || (found.active === false) !== archived) throw notFound(`Owner ${ownerId} not found`);
    return owner(ctx, n);
  });
}

function typeOf(params: unknown): HubSpotObjectType {
  const { objectType } = params as { objectType: string };
  const type = resolveObjectType(objectType);
  if (!type) throw validationError(`Unable to infer object type from: ${objectType}`);
  return type;
}

function pipelines(ctx: HubSpotContext) {
  const createdAt = new Date(Date.parse(ctx.store.world.now) - 900 * 86_400_000).toISOString();
  return ctx.store.world.pipelines.map((p, i) => ({
    id: ctx.pipelineIds.get(p.key) ?? p.key,
    label: p.label,
    displayOrder: i,
    archived: false,
    createdAt,
    updatedAt: createdAt,
    stages: p.stages.map((s) => ({
      id: s.key,
      label: s.label,
      displayOrder: s.order,
      // HubSpot serves stage metadata values as strings.
      metadata: { isClosed: String(s.isClosed), probability: String(s.probability) },
      archived: false,
      createdAt,
      updatedAt: createdAt,
      writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT',
    })),
  }));
}

function owner(ctx: HubSpotContext, n: number) {
  const o = ctx.store.world.owners.find((x) => x.n === n)!;
  const teams = [...new Set(ctx.store.world.owners.map((x) => x.team))];
  const createdAt = new Date(Date.parse(ctx.store.world.now) - 900 * 86_400_000).toISOString();
  return {
    id: String(OWNER_ID_OFFSET + o.n),
    email: o.email,
    type: 'PERSON',
    firstName: o.firstName,
    lastName: o.lastName,
    // A deactivated user has no userId any more; userIdIncludingInactive keeps it.
    userId: o.active === false ? null : USER_ID_OFFSET + o.n,
    userIdIncludingInactive: USER_ID_OFFSET + o.n,
    createdAt,
    updatedAt: createdAt,
    archived: o.active === false,
    teams: [{ id: String(300_000 + teams.indexOf(o.team)), name: o.team, primary: true }],
  };
}

import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { emptyFaultPlan, type FaultPlan } from '../fault-plan.ts';
import { applyFault, type FaultResponder } from '../http/apply-fault.ts';
import { endpointPattern } from '../http/endpoint-pattern.ts';
import { InspectionRecorder } from '../http/inspection-recorder.ts';
import { INSPECTION_PREFIX, registerInspectionRoutes } from '../http/inspection-routes.ts';
import type { RecordedWrite, SandboxHandle } from '../sandbox-handle.ts';
import { generateWorld } from '../generator/generate-world.ts';
import type { SandboxWorld } from '../world.ts';
import { ApiUsage, enterpriseAllocation } from './api-usage.ts';
import { BulkQueryJobs } from './bulk-query-jobs.ts';
import { registerBulkQueryRoutes } from './bulk-query-routes.ts';
import { registerDataRoutes, versionOf } from './data-routes.ts';
import { FieldAccess } from './field-access.ts';
import { QueryCursors } from './query-cursors.ts';
import { RecordStore } from './record-store.ts';
import { renderWorld } from './render-world.ts';
import {
  injectedErrorBody,
  REQUEST_LIMIT_EXCEEDED,
  SalesforceApiError,
  SESSION_INVALID,
} from './salesforce-errors.ts';
import { salesforceId } from './salesforce-ids.ts';
import { SalesforceSchema } from './salesforce-schema.ts';
import { registerMetadataSoapRoute } from './metadata-soap.ts';
import { registerOAuthRoutes } from './oauth-routes.ts';
import { saveRecords } from './record-writes.ts';
import { TokenStore } from './token-store.ts';

/** Options for {@link startSalesforceSandbox}. */
export interface SalesforceSandboxOptions {
  /** The world to serve, rendered as Salesforce records. Default: `generateWorld({ seed, deals })`. */
  world?: SandboxWorld;
  /** Seed for the generated world when `world` is not given. Default 1. */
  seed?: number;
  /** Deals in the generated world when `world` is not given. Default 50. */
  deals?: number;
  /** Port on 127.0.0.1. Default 0: a free port. */
  port?: number;
  /** Access token lifetime in seconds. Default 7200 (Salesforce's default session timeout, two hours). */
  accessTokenTtlSeconds?: number;
  /** Connected-app consumer key. Default: a fixed sandbox value. */
  clientId?: string;
  /** Connected-app consumer secret. Default: a fixed sandbox value. */
  clientSecret?: string;
  /** The API user's username, the JWT bearer `sub`. Default "integration@pipeline-health.sandbox". */
  username?: string;
  /** PEM public key (SPKI) or X.509 certificate that verifies JWT bearer assertions. Default none: JWT bearer is refused. */
  jwtPublicKey?: string;
  /** Salesforce licences in the org; the daily API allocation is 100,000 + 1,000 per licence. Default 10. */
  licences?: number;
  /** Daily API request allocation; overrides `licences`. */
  dailyApiLimit?: number;
  /** API requests already used in the current 24 hours. Default 0. */
  apiUsage?: number;
  /** Initial faults (merged into an empty plan). */
  faults?: Partial<FaultPlan>;
  /** The clock (date literals, token expiry, write timestamps). Default: the real clock. */
  now?: () => Date;
  /** Random source for fault decisions. Default Math.random. */
  random?: () => number;
  /**
   * Whether the API user has "Assign Permission Sets" (it may create PermissionSetAssignment rows,
   * e.g. assign itself the connector's permission set). Default true; false models the usual
   * least-privilege integration user.
   */
  apiUserCanAssignPermissionSets?: boolean;
  /**
   * Status checks a Bulk API 2.0 query job answers `InProgress` before `JobComplete` (or `Failed`).
   * Counted in checks, not time, so tests stay deterministic. Default 1.
   */
  bulkQueryPolls?: number;
  /**
   * Rows of an object from which a Bulk API 2.0 job with ORDER BY fails with QUERY_TIMEOUT (ORDER BY
   * disables PK chunking). Default 10,000 (the number is ours: docs/SANDBOX.md).
   */
  bulkOrderByTimeoutRows?: number;
}

/** A running Salesforce sandbox: the common handle plus Salesforce-specific controls. */
export interface SalesforceSandboxHandle extends SandboxHandle {
  crm: 'salesforce';
  /** The API user's User id (owner of records the API creates; the one FLS applies to). */
  apiUserId: string;
  username: string;
  orgId: string;
  /** Daily API allocation as reported in Sforce-Limit-Info. */
  apiUsage(): { used: number; max: number };
  /** Set today's usage (and optionally the allocation), e.g. to test REQUEST_LIMIT_EXCEEDED. */
  setApiUsage(used: number, max?: number): void;
  /** Delete every Bulk API 2.0 query job, as Salesforce does 7 days after a job (expired-job tests). */
  expireBulkQueryJobs(): void;
  /**
   * Purge the Recycle Bin: deleted records leave for good, as after Salesforce's 15 days or
   * emptyRecycleBin() (developer.salesforce.com, sforce_api_calls_emptyrecyclebin.htm; getDeleted
   * then no longer reports them, resources_getdeleted.htm). Returns how many records went.
   */
  purgeRecycleBin(): number;
  /** The Salesforce id the sandbox gives a world entity. */
  idOf(kind: 'owner' | 'company' | 'contact' | 'deal', n: number): string;
}

const DEFAULT_CLIENT_ID = '3MVG9sandbox.pipeline.health.connected.app';
const DEFAULT_CLIENT_SECRET = 'sandbox-client-secret-0000000000000000';
const API_USER_N = 999_999;
/** Route parameters whose value belongs in the recorded endpoint name (e.g. the sObject type). */
const KEEP_PARAMS = new Set(['type']);
const DATA_PREFIX = '/services/data/';
const OAUTH_PREFIX = '/services/oauth2/';

const responder: FaultResponder = {
  error: (status) => ({ status, body: injectedErrorBody(status) }),
  // Salesforce REST has no short-window 429: quota refusals are 403 REQUEST_LIMIT_EXCEEDED.
  rateLimit: () => ({ status: 403, body: REQUEST_LIMIT_EXCEEDED().body() }),
};

/** The token endpoint answers in OAuth's shape; Salesforce's transient failure is `unknown_error`. */
const oauthResponder: FaultResponder = {
  error: (status) => ({ status, body: { error: 'unknown_error', error_description: 'retry your request' } }),
  rateLimit: () => ({
    status: 400,
    body: { error: 'invalid_grant', error_description: 'token request is already being processed' },
  }),
};

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization ?? '';
  const match = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(header);
  return match?.[1]?.trim();
}

/** Start a Salesforce-compatible API server on 127.0.0.1 (login and instance on one base URL). */
export async function startSalesforceSandbox(
  options: SalesforceSandboxOptions,
): Promise<SalesforceSandboxHandle> {
  const clock = options.now ?? (() => new Date());
  const nowMs = () => clock().getTime();
  const clientId = options.clientId ?? DEFAULT_CLIENT_ID;
  const clientSecret = options.clientSecret ?? DEFAULT_CLIENT_SECRET;
  const username = options.username ?? 'integration@pipeline-health.sandbox';
  const orgId = salesforceId('00D', 1);
  const faults: FaultPlan = { ...emptyFaultPlan(), ...options.faults };
  const usage = new ApiUsage(
    options.dailyApiLimit ?? enterpriseAllocation(options.licences ?? 10),
    options.apiUsage ?? 0,
  );

  const store = new RecordStore(SalesforceSchema.standard());
  const tooling = new RecordStore(SalesforceSchema.tooling());
  const world = options.world ?? generateWorld({ seed: options.seed ?? 1, deals: options.deals ?? 50 });
  renderWorld(world, store, {
    n: API_USER_N,
    username,
    email: 'integration@pipeline-health.sandbox',
  });
  const apiUserId = salesforceId('005', API_USER_N);
  const mayAssignPermissionSets = options.apiUserCanAssignPermissionSets ?? true;
  const access = new FieldAccess(store, apiUserId);
  const tokens = new TokenStore(orgId, options.accessTokenTtlSeconds ?? 7200, nowMs);
  const cursors = new QueryCursors(nowMs);
  const bulkJobs = new BulkQueryJobs(nowMs, options.bulkQueryPolls ?? 1, options.bulkOrderByTimeoutRows);
  const recorder = new InspectionRecorder({ tokens: () => tokens.states() });
  let baseUrl = '';

  // Clients send resource URLs with a trailing slash (`query/?q=`, `sobjects/Task/`) and the cloud
  // answers them as without (docs/SANDBOX.md).
  const app = Fastify({
    logger: false,
    forceCloseConnections: true,
    bodyLimit: 50 * 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true },
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  // Requests already logged (faults, refusals) and quota refusals, so onResponse does not double count.
  const logged = new WeakSet<FastifyRequest>();
  const endpointOf = (request: FastifyRequest) =>
    endpointPattern(request, KEEP_PARAMS)
      .replace('/Soap/m/{version}', '/Soap/m/XX.X')
      .replace('{version}', 'vXX.X');
  const record = (request: FastifyRequest, status: number, rateLimited = false) => {
    logged.add(request);
    recorder.recordCall(
      { at: clock().toISOString(), method: request.method, endpoint: endpointOf(request), status },
      rateLimited,
    );
  };
  const refuse = (
    request: FastifyRequest,
    reply: FastifyReply,
    err: SalesforceApiError,
    rateLimited = false,
  ) => {
    record(request, err.status, rateLimited);
    return reply.code(err.status).header('sforce-limit-info', usage.header()).send(err.body());
  };

  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith(INSPECTION_PREFIX)) return;
    const isData = request.url.startsWith(DATA_PREFIX);
    if (!isData && !request.url.startsWith(OAUTH_PREFIX)) return;
    const decision = await applyFault(
      faults,
      request,
      reply,
      isData ? responder : oauthResponder,
      options.random,
    );
    if (decision.kind !== 'none') {
      const status = decision.kind === 'error' ? decision.status : decision.kind === 'rate_limit' ? 403 : 0;
      record(request, status, decision.kind === 'rate_limit');
      return reply;
    }
    if (!isData) return undefined;
    // The version list needs no session and is not counted (REST API guide, Versions).
    if (/^\/services\/data\/?(?:\?|$)/.test(request.url)) return undefined;
    const token = bearer(request);
    if (token === undefined || !tokens.isAccessValid(token)) return refuse(request, reply, SESSION_INVALID());
    if (!usage.take()) return refuse(request, reply, REQUEST_LIMIT_EXCEEDED(), true);
    return undefined;
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.url.startsWith(DATA_PREFIX)) reply.header('sforce-limit-info', usage.header());
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    if (request.url.startsWith(INSPECTION_PREFIX) || logged.has(request)) return;
    record(request, reply.statusCode);
  });

  app.setErrorHandler((err, _request, reply) => {
    if (err instanceof SalesforceApiError) return reply.code(err.status).send(err.body());
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    const message = err instanceof Error ? err.message : String(err);
    if (status === 415) return reply.code(415).send([{ message, errorCode: 'UNSUPPORTED_MEDIA_TYPE' }]);
    if (status < 500) return reply.code(400).send([{ message, errorCode: 'JSON_PARSER_ERROR' }]);
    return reply.code(500).send(injectedErrorBody(500));
  });
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]),
  );

  const identityUrl = () => `${baseUrl}/id/${orgId}/${apiUserId}`;
  registerOAuthRoutes(app, {
    tokens,
    clientId,
    clientSecret,
    username,
    jwtPublicKey: options.jwtPublicKey ?? null,
    baseUrl: () => baseUrl,
    identityUrl,
  });
  app.get('/id/:orgId/:userId', async (request, reply) => {
    const token = bearer(request) ?? (request.query as { oauth_token?: string }).oauth_token;
    if (token === undefined || !tokens.isAccessValid(token)) return reply.code(403).send('Bad_OAuth_Token');
    return {
      id: identityUrl(),
      asserted_user: true,
      user_id: apiUserId,
      organization_id: orgId,
      username,
      display_name: 'Integration User',
      active: true,
    };
  });
  registerDataRoutes(app, {
    identityUrl,
    store,
    tooling,
    access,
    cursors,
    usage,
    now: clock,
    writeContext: () => ({
      store,
      access,
      now: clock,
      userId: apiUserId,
      mayAssignPermissionSets,
      failRecords: faults.failRecords,
      recordWrite: (w) => recorder.recordWrite(w),
    }),
  });
  registerBulkQueryRoutes(app, { jobs: bulkJobs, store, access, now: clock, apiUserId, versionOf });
  registerMetadataSoapRoute(app, {
    store,
    tooling,
    tokens,
    usage,
    now: clock,
    create: (type, values) => {
      const ctx = {
        store,
        access,
        now: clock,
        userId: apiUserId,
        mayAssignPermissionSets,
        failRecords: {},
        recordWrite: (w: RecordedWrite) => recorder.recordWrite(w),
      };
      const [result] = saveRecords(ctx, 'create', [{ type, id: undefined, values }], false);
      return { id: result?.id ?? null, errors: result?.errors ?? [] };
    },
  });
  registerInspectionRoutes(app, {
    recorder,
    faults,
    expireAllTokens: () => tokens.expireAll(),
    revokeRefreshTokens: () => tokens.revokeRefreshTokens(),
  });
  app.get(`${INSPECTION_PREFIX}/api-usage`, async () => ({ used: usage.used, max: usage.max }));
  app.post(`${INSPECTION_PREFIX}/api-usage`, async (request) => {
    const body = (request.body ?? {}) as { used?: unknown; max?: unknown };
    if (typeof body.used === 'number' && body.used >= 0) usage.used = Math.floor(body.used);
    if (typeof body.max === 'number' && body.max > 0) usage.max = Math.floor(body.max);
    return { used: usage.used, max: usage.max };
  });

  const address = await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  baseUrl = address.replace('localhost', '127.0.0.1');
  const accessToken = tokens.issueAccess();
  const refreshToken = tokens.issueRefresh();

  const ids: Record<'owner' | 'company' | 'contact' | 'deal', string> = {
    owner: '005',
    company: '001',
    contact: '003',
    deal: '006',
  };
  return {
    crm: 'salesforce',
    baseUrl,
    accessToken,
    oauth: { clientId, clientSecret, refreshToken },
    faults,
    inspect: recorder,
    apiUserId,
    username,
    orgId,
    expireAllTokens: () => tokens.expireAll(),
    revokeRefreshTokens: () => tokens.revokeRefreshTokens(),
    apiUsage: () => ({ used: usage.used, max: usage.max }),
    setApiUsage: (used, max) => {
      usage.used = used;
      if (max !== undefined) usage.max = max;
    },
    expireBulkQueryJobs: () => bulkJobs.clear(),
    purgeRecycleBin: () => store.purgeDeleted(),
    idOf: (kind, n) => salesforceId(ids[kind], n),
    close: async () => {
      await app.close();
    },
  };
}

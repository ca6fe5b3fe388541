import { nextLocalMidnight } from '../../src/domain/index.ts';
import { isAppError } from '../../src/shared/app-error.ts';
import type { ConnectionCheck } from '../crm-connector.ts';
import {
  ALERT_KEY_DEFINITION,
  HEALTH_GROUP,
  type HubSpotPropertyDefinition,
  healthPropertyDefinitions,
} from './hubspot-health-properties.ts';
import type { HubSpotHttp } from './hubspot-http.ts';

/**
 * Scopes pipeline-health uses on HubSpot (names from HubSpot's scope list). Engagement scopes
 * (tasks, calls, emails, meetings, notes) are not listed: HubSpot's docs do not name one scope per
 * engagement for every account type, so they are left to the first run (README, "Assumed").
 */
const HUBSPOT_REQUIRED_SCOPES = [
  'crm.objects.deals.read',
  'crm.objects.deals.write',
  'crm.objects.contacts.read',
  'crm.objects.companies.read',
  'crm.objects.owners.read',
  'crm.objects.goals.read',
  'crm.schemas.deals.read',
  'crm.schemas.deals.write',
] as const;

/** Read endpoints that prove a read scope of a private-app token (which has no metadata endpoint). */
const READ_PROBES: [scope: string, path: string][] = [
  ['crm.objects.deals.read', '/crm/v3/objects/deals?limit=1'],
  ['crm.objects.contacts.read', '/crm/v3/objects/contacts?limit=1'],
  ['crm.objects.companies.read', '/crm/v3/objects/companies?limit=1'],
  ['crm.objects.owners.read', '/crm/v3/owners?limit=1'],
  ['crm.objects.goals.read', '/crm/v3/objects/goal_targets?limit=1'],
  ['crm.schemas.deals.read', '/crm/v3/properties/deals/groups'],
];

type Answer = Awaited<ReturnType<HubSpotHttp['requestJson']>>;

interface CheckContext {
  http: HubSpotHttp;
  authType: 'private_app' | 'oauth';
  fallbackOwnerId: string | undefined;
  now: () => number;
}

function field(body: unknown, name: string): unknown {
  return body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
}

function describe(answer: Answer): string {
  if (answer.status === null) return `no answer (${answer.reason})`;
  const message = field(answer.body, 'message');
  return `HTTP ${answer.status}${typeof message === 'string' ? `: ${message}` : ''}`;
}

const ok = (name: string, detail: string): ConnectionCheck => ({ name, ok: true, detail });
const fail = (name: string, detail: string, code: string, hint: string): ConnectionCheck => ({
  name,
  ok: false,
  detail,
  code,
  hint,
});

/**
 * `connect check` for HubSpot: read-only calls that say whether a run would work. Authentication
 * first (nothing else can be learnt without it), then scopes, API versions, the daily allocation,
 * the health properties and the fallback owner. Never throws for a failed check.
 */
export async function checkHubSpotConnection(ctx: CheckContext): Promise<ConnectionCheck[]> {
  const { http } = ctx;
  const checks: ConnectionCheck[] = [];

  // authentication
  const reauthHint =
    ctx.authType === 'oauth'
      ? 'Re-install the app in the HubSpot account (OAuth consent) and put the new refresh token in connection.auth.refreshToken.'
      : 'Create or rotate the private app token (HubSpot Settings > Integrations > Private Apps) and put it in connection.auth.accessToken.';
  let token: string;
  try {
    token = await http.tokens.token();
  } catch (err) {
    const reason = isAppError(err) ? err.message : String(err);
    return [fail('authentication', `HubSpot refused the refresh token: ${reason}`, 'CRM_AUTH', reauthHint)];
  }
  const details = await http.requestJson('/account-info/v3/details');
  if (details.status === 401) {
    return [
      fail('authentication', `HubSpot refused the token: ${describe(details)}`, 'CRM_AUTH', reauthHint),
    ];
  }
  if (details.status === null || details.status >= 500) {
    return [
      fail(
        'authentication',
        `HubSpot did not answer: ${describe(details)}`,
        'CRM_UNAVAILABLE',
        'Check connection.basePath and the network, then try again.',
      ),
    ];
  }
  const timeZone = details.status === 200 ? field(details.body, 'timeZone') : undefined;
  const portalId = details.status === 200 ? field(details.body, 'portalId') : undefined;
  checks.push(
    ok(
      'authentication',
      `${ctx.authType === 'oauth' ? 'OAuth' : 'private app'} token accepted` +
        (portalId === undefined
          ? ` (account details not readable: ${describe(details)})`
          : `; portal ${String(portalId)}, time zone ${String(timeZone)}`),
    ),
  );

  checks.push(await checkScopes(ctx, token));
  checks.push(await checkApiVersions(http));
  checks.push(await checkDailyAllocation(ctx, typeof timeZone === 'string' ? timeZone : null));
  checks.push(...(await checkProperties(http)));
  checks.push(await checkFallbackOwner(ctx));
  return checks;
}

async function checkScopes(ctx: CheckContext, token: string): Promise<ConnectionCheck> {
  const hint = (missing: string[]) =>
    `Add ${missing.join(', ')} to the app's scopes in HubSpot and ${ctx.authType === 'oauth' ? 're-install it (new consent)' : 'save the private app'}.`;
  if (ctx.authType === 'oauth') {
    const meta = await ctx.http.requestJson(`/oauth/v1/access-tokens/${encodeURIComponent(token)}`, {
      bearer: false,
    });
    const scopes = field(meta.status === 200 ? meta.body : null, 'scopes');
    if (!Array.isArray(scopes)) {
      return fail(
        'scopes',
        `token metadata not readable: ${describe(meta)}`,
        'CRM_PERMISSION',
        hint([...HUBSPOT_REQUIRED_SCOPES]),
      );
    }
    const missing = HUBSPOT_REQUIRED_SCOPES.filter((s) => !scopes.includes(s));
    return missing.length === 0
      ? ok('scopes', `all ${HUBSPOT_REQUIRED_SCOPES.length} required scopes granted (token metadata)`)
      : fail('scopes', `missing: ${missing.join(', ')}`, 'CRM_PERMISSION', hint(missing));
  }
  // Private apps: read scopes are proven by reading; write scopes cannot be checked without writing.
  const missing: string[] = [];
  const unknown: string[] = [];
  for (const [scope, path] of READ_PROBES) {
    const answer = await ctx.http.requestJson(path);
    if (answer.status === 403) {
      const named = requiredScopes(answer.body);
      missing.push(...(named.length > 0 ? named : [scope]));
    } else if (answer.status !== 200) {
      unknown.push(`${scope} (${describe(answer)})`);
    }
  }
  const writes = HUBSPOT_REQUIRED_SCOPES.filter((s) => s.endsWith('.write')).join(', ');
  if (missing.length > 0) {
    return fail(
      'scopes',
      `missing: ${[...new Set(missing)].join(', ')}`,
      'CRM_PERMISSION',
      hint([...new Set(missing)]),
    );
  }
  if (unknown.length > 0) {
    return fail(
      'scopes',
      `could not check: ${unknown.join('; ')}`,
      'CRM_UNAVAILABLE',
      'Try again; if it persists, check the private app in HubSpot.',
    );
  }
  return ok(
    'scopes',
    `read scopes confirmed by reading (${READ_PROBES.length} calls); write scopes (${writes}) cannot be checked without writing: the first run's bootstrap and write-back use them`,
  );
}

function requiredScopes(body: unknown): string[] {
  const errors = field(body, 'errors');
  if (!Array.isArray(errors)) return [];
  return errors.flatMap((e) => {
    const scopes = field(field(e, 'context'), 'requiredGranularScopes');
    return Array.isArray(scopes) ? scopes.filter((s): s is string => typeof s === 'string') : [];
  });
}

async function checkApiVersions(http: HubSpotHttp): Promise<ConnectionCheck> {
  const v3 = await http.requestJson('/crm/v3/pipelines/deals');
  const v4 = await http.requestJson('/crm/v4/associations/deals/contacts/batch/read', {
    method: 'POST',
    body: { inputs: [] },
  });
  const good = (a: Answer) => a.status !== null && a.status >= 200 && a.status < 300;
  if (good(v3) && good(v4)) return ok('api_version', 'CRM v3 (pipelines) and v4 (associations) answer');
  return fail(
    'api_version',
    `CRM v3: ${good(v3) ? 'ok' : describe(v3)}; v4: ${good(v4) ? 'ok' : describe(v4)}`,
    good(v3) || v3.status === 403 || v4.status === 403 ? 'CRM_PERMISSION' : 'CRM_UNAVAILABLE',
    'connection.basePath must be https://api.hubapi.com (or the sandbox URL); a 403 means a missing scope.',
  );
}

async function checkDailyAllocation(ctx: CheckContext, timeZone: string | null): Promise<ConnectionCheck> {
  if (ctx.authType === 'oauth') {
    // "OAuth authenticated calls will not include X-HubSpot-RateLimit-Daily ... because there is no
    // daily limit for these calls" (HubSpot changelog).
    return ok(
      'daily_allocation',
      'OAuth apps have no daily limit on HubSpot; only the per-10-second limit applies',
    );
  }
  const answer = await ctx.http.requestJson('/account-info/v3/api-usage/daily/private-apps');
  const results = field(answer.status === 200 ? answer.body : null, 'results');
  const first = Array.isArray(results) ? results[0] : undefined;
  const used = field(first, 'currentUsage');
  const limit = field(first, 'usageLimit');
  const resetsAt =
    typeof field(first, 'resetsAt') === 'string'
      ? String(field(first, 'resetsAt'))
      : timeZone === null
        ? null
        : new Date(nextLocalMidnight(ctx.now(), timeZone)).toISOString();
  const zone = timeZone === null ? '' : ` (midnight ${timeZone})`;
  if (typeof used !== 'number' || typeof limit !== 'number') {
    return ok(
      'daily_allocation',
      `usage not readable (${describe(answer)})${resetsAt === null ? '' : `; the day resets at ${resetsAt}${zone}`}`,
    );
  }
  const left = Math.max(0, limit - used);
  const detail = `${left} of ${limit} calls left today; resets at ${resetsAt ?? 'the account midnight'}${zone}`;
  return left > 0
    ? ok('daily_allocation', detail)
    : fail(
        'daily_allocation',
        detail,
        'CRM_QUOTA_EXHAUSTED',
        `Wait until ${resetsAt ?? 'the account midnight'}; runs before then are refused.`,
      );
}

async function checkProperties(http: HubSpotHttp): Promise<ConnectionCheck[]> {
  const out: ConnectionCheck[] = [];
  const wanted: [string, HubSpotPropertyDefinition[]][] = [
    ['deals', healthPropertyDefinitions()],
    ['tasks', [ALERT_KEY_DEFINITION]],
  ];
  const hint =
    'Run `pipeline-health run --tenant <id>` once: its first step creates the Pipeline health properties (needs crm.schemas.deals.write).';
  for (const [objectType, defs] of wanted) {
    const answer = await http.requestJson(`/crm/v3/properties/${objectType}`);
    const results = field(answer.status === 200 ? answer.body : null, 'results');
    const byName = new Map<string, Record<string, unknown>>();
    if (Array.isArray(results)) {
      for (const p of results as Record<string, unknown>[]) byName.set(String(p.name), p);
    }
    for (const d of defs) {
      const name = `property:${d.name}`;
      if (!Array.isArray(results)) {
        out.push(
          fail(
            name,
            `cannot list ${objectType} properties: ${describe(answer)}`,
            answer.status === 403 ? 'CRM_PERMISSION' : 'CRM_UNAVAILABLE',
            'Grant the properties read scope (crm.schemas.deals.read), or check the connection.',
          ),
        );
        continue;
      }
      const p = byName.get(d.name);
      if (p === undefined) {
        out.push(fail(name, `${objectType}.${d.name} does not exist`, 'CONFIG_INVALID', hint));
      } else if (p.groupName !== HEALTH_GROUP.name || p.type !== d.type) {
        out.push(
          fail(
            name,
            `${objectType}.${d.name} exists but is ${String(p.type)} in group ${String(p.groupName)}; expected ${d.type} in ${HEALTH_GROUP.name}`,
            'CONFIG_INVALID',
            `Delete or rename the conflicting property in HubSpot, then: ${hint}`,
          ),
        );
      } else {
        out.push(ok(name, `${objectType}.${d.name} (${d.type}) in group ${HEALTH_GROUP.name}`));
      }
    }
  }
  return out;
}

async function checkFallbackOwner(ctx: CheckContext): Promise<ConnectionCheck> {
  const id = ctx.fallbackOwnerId;
  if (id === undefined) {
    return ok(
      'fallback_owner',
      'not set: alert tasks of deactivated owners are not created (alerts.fallbackOwnerId)',
    );
  }
  const hint = 'Set alerts.fallbackOwnerId to the id of an active owner (GET /crm/v3/owners lists them).';
  const path = `/crm/v3/owners/${encodeURIComponent(id)}?idProperty=id`;
  const active = await ctx.http.requestJson(path);
  if (active.status === 200) {
    const email = field(active.body, 'email');
    return ok('fallback_owner', `owner ${id}${typeof email === 'string' ? ` <${email}>` : ''} is active`);
  }
  if (active.status !== 404) {
    return fail(
      'fallback_owner',
      `owner ${id} not readable: ${describe(active)}`,
      active.status === 403 ? 'CRM_PERMISSION' : 'CRM_UNAVAILABLE',
      hint,
    );
  }
  const archived = await ctx.http.requestJson(`${path}&archived=true`);
  return archived.status === 200
    ? fail('fallback_owner', `owner ${id} is deactivated (archived)`, 'CONFIG_INVALID', hint)
    : fail('fallback_owner', `owner ${id} does not exist`, 'CONFIG_INVALID', hint);
}

import { HubSpotHttpError } from './hubspot-errors.ts';

/**
 * Scopes the sandbox's apps are granted by default: what pipeline-health needs and a few more.
 * Names from HubSpot's scope list (https://developers.hubspot.com/docs/apps/legacy-apps/authentication/scopes).
 */
export const DEFAULT_HUBSPOT_SCOPES: readonly string[] = [
  'oauth',
  'crm.objects.deals.read',
  'crm.objects.deals.write',
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.objects.companies.read',
  'crm.objects.companies.write',
  'crm.objects.owners.read',
  'crm.objects.goals.read',
  'crm.schemas.deals.read',
  'crm.schemas.deals.write',
  'crm.schemas.contacts.read',
  'crm.schemas.contacts.write',
  'crm.schemas.companies.read',
  'crm.schemas.companies.write',
];

const SCOPED_OBJECTS = new Set(['deals', 'contacts', 'companies']);

/**
 * The scope a request needs, where the sandbox enforces one: the standard objects' read/write
 * scopes, their property schemas, owners and goals. Engagements (tasks, calls, ...) and
 * associations are not scope-checked here (docs/SANDBOX.md).
 */
export function requiredScope(method: string, url: string): string | null {
  const path = url.split('?')[0]!.replace(/\/$/, '');
  const read = method === 'GET' || /\/(search|batch\/read)$/.test(path);
  let m = /^\/crm\/v3\/objects\/([a-z_]+)/.exec(path);
  if (m) {
    if (m[1] === 'goal_targets') return 'crm.objects.goals.read';
    return SCOPED_OBJECTS.has(m[1]!) ? `crm.objects.${m[1]}.${read ? 'read' : 'write'}` : null;
  }
  m = /^\/crm\/v3\/properties\/([a-z_]+)/.exec(path) ?? /^\/properties\/v2\/([a-z_]+)/.exec(path);
  if (m) return SCOPED_OBJECTS.has(m[1]!) ? `crm.schemas.${m[1]}.${read ? 'read' : 'write'}` : null;
  if (path.startsWith('/crm/v3/owners')) return 'crm.objects.owners.read';
  return null;
}

/** HubSpot's 403 for a token without a required scope (category MISSING_SCOPES). */
export function missingScopeError(scope: string): HubSpotHttpError {
  return new HubSpotHttpError(403, {
    message:
      "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
    category: 'MISSING_SCOPES',
    errors: [
      {
        message: 'One or more of the following scopes are required.',
        context: { requiredGranularScopes: [scope] },
      },
    ],
    links: { scopes: 'https://developers.hubspot.com/scopes' },
  });
}

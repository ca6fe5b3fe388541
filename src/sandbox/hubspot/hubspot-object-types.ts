/**
 * HubSpot object types the sandbox serves, their id ranges and association type ids
 * (HUBSPOT_DEFINED, per CRM-FACTS.md and HubSpot's association type table).
 */

export const HUBSPOT_OBJECT_TYPES = [
  'contacts',
  'companies',
  'deals',
  'emails',
  'calls',
  'meetings',
  'notes',
  'tasks',
  'goal_targets',
] as const;

export type HubSpotObjectType = (typeof HUBSPOT_OBJECT_TYPES)[number];

export const ENGAGEMENT_TYPES: readonly HubSpotObjectType[] = [
  'emails',
  'calls',
  'meetings',
  'notes',
  'tasks',
];

/** Ids are numeric strings: `offset + n`. Distinct ranges per type catch ids used on the wrong type. */
const ID_OFFSETS: Record<HubSpotObjectType, number> = {
  contacts: 10_000_000_000,
  companies: 20_000_000_000,
  deals: 30_000_000_000,
  emails: 40_000_000_000,
  calls: 50_000_000_000,
  meetings: 60_000_000_000,
  notes: 70_000_000_000,
  tasks: 80_000_000_000,
  goal_targets: 90_000_000_000,
};

/** Records created through the API get `n` from here up, beyond any generated world. */
export const CREATED_N_START = 100_000_000;

export const OWNER_ID_OFFSET = 100_000_000;
export const USER_ID_OFFSET = 200_000_000;

const ALIASES: Record<string, HubSpotObjectType> = {
  contact: 'contacts',
  '0-1': 'contacts',
  company: 'companies',
  '0-2': 'companies',
  deal: 'deals',
  '0-3': 'deals',
  email: 'emails',
  '0-49': 'emails',
  call: 'calls',
  '0-48': 'calls',
  meeting: 'meetings',
  meeting_event: 'meetings',
  '0-47': 'meetings',
  note: 'notes',
  '0-46': 'notes',
  task: 'tasks',
  '0-27': 'tasks',
  goal_target: 'goal_targets',
  '0-74': 'goal_targets',
};

/** Resolve a path segment (plural name, singular name or `0-n` id) to an object type, or null. */
export function resolveObjectType(segment: string): HubSpotObjectType | null {
  const lower = segment.toLowerCase();
  if ((HUBSPOT_OBJECT_TYPES as readonly string[]).includes(lower)) return lower as HubSpotObjectType;
  return ALIASES[lower] ?? null;
}

export function singular(type: HubSpotObjectType): string {
  return type === 'companies' ? 'company' : type.slice(0, -1);
}

export function recordId(type: HubSpotObjectType, n: number): string {
  return String(ID_OFFSETS[type] + n);
}

/** The `n` for an id of this type, or null when the id is not in the type's range. */
export function recordN(type: HubSpotObjectType, id: string): number | null {
  if (!/^\d{1,16}$/.test(id)) return null;
  const n = Number(id) - ID_OFFSETS[type];
  return n >= 1 && n < 1_000_000_000 ? n : null;
}

/** Default (unlabelled) association type id from one type to another; primary ids where HubSpot has them. */
const ASSOCIATION_TYPES: Record<string, { id: number; primary?: number }> = {
  'deals/contacts': { id: 3 },
  'contacts/deals': { id: 4 },
  'deals/companies': { id: 341, primary: 5 },
  'companies/deals': { id: 342, primary: 6 },
  'contacts/companies': { id: 279, primary: 1 },
  'companies/contacts': { id: 280, primary: 2 },
  'deals/calls': { id: 205 },
  'calls/deals': { id: 206 },
  'deals/emails': { id: 209 },
  'emails/deals': { id: 210 },
  'deals/meetings': { id: 211 },
  'meetings/deals': { id: 212 },
  'deals/notes': { id: 213 },
  'notes/deals': { id: 214 },
  'deals/tasks': { id: 215 },
  'tasks/deals': { id: 216 },
  'contacts/calls': { id: 193 },
  'calls/contacts': { id: 194 },
  'contacts/emails': { id: 197 },
  'emails/contacts': { id: 198 },
  'contacts/meetings': { id: 199 },
  'meetings/contacts': { id: 200 },
  'contacts/notes': { id: 201 },
  'notes/contacts': { id: 202 },
  'contacts/tasks': { id: 203 },
  'tasks/contacts': { id: 204 },
  'companies/calls': { id: 181 },
  'calls/companies': { id: 182 },
  'companies/emails': { id: 185 },
  'emails/companies': { id: 186 },
  'companies/meetings': { id: 187 },
  'meetings/companies': { id: 188 },
  'companies/notes': { id: 189 },
  'notes/companies': { id: 190 },
  'companies/tasks': { id: 191 },
  'tasks/companies': { id: 192 },
};

export function associationType(
  from: HubSpotObjectType,
  to: HubSpotObjectType,
): { id: number; primary?: number } | null {
  return ASSOCIATION_TYPES[`${from}/${to}`] ?? null;
}

/** The reverse direction's type id for a given type id (labels are symmetric pairs in HubSpot). */
export function inverseAssociationTypeId(
  from: HubSpotObjectType,
  to: HubSpotObjectType,
  typeId: number,
): number {
  const forward = associationType(from, to);
  const reverse = associationType(to, from);
  if (!forward || !reverse) return typeId;
  if (forward.primary !== undefined && typeId === forward.primary && reverse.primary !== undefined)
    return reverse.primary;
  return reverse.id;
}

/** HubSpot's object type ids, as association v4 responses name them. */
export const OBJECT_TYPE_IDS: Record<HubSpotObjectType, string> = {
  contacts: '0-1',
  companies: '0-2',
  deals: '0-3',
  emails: '0-49',
  calls: '0-48',
  meetings: '0-47',
  notes: '0-46',
  tasks: '0-27',
  goal_targets: '0-74',
};

/** The target type of an association type id used from `from` (for v3 create-with-associations). */
export function associationTargetType(from: HubSpotObjectType, typeId: number): HubSpotObjectType | null {
  for (const [key, def] of Object.entries(ASSOCIATION_TYPES)) {
    const [a, b] = key.split('/') as [HubSpotObjectType, HubSpotObjectType];
    if (a === from && (def.id === typeId || def.primary === typeId)) return b;
  }
  return null;
}

import {
  type Condition,
  type FieldType,
  parseQuery,
  type Query,
  type WhereClause,
} from '@jetstreamapp/soql-parser-js';
import type { FieldAccess } from './field-access.ts';
import type { RecordStore, SfRow } from './record-store.ts';
import { noSuchColumnInQuery, SalesforceApiError } from './salesforce-errors.ts';
import { isSalesforceId } from './salesforce-ids.ts';
import { childRelationships, type SfField, type SfObject } from './salesforce-schema.ts';

/** What a query runs against. `access` null means every field is visible (Tooling API). */
export interface QueryContext {
  store: RecordStore;
  access: FieldAccess | null;
  now: Date;
  /** queryAll: include IsDeleted records. */
  includeDeleted: boolean;
  /** e.g. "62.0", for the record `attributes.url`. */
  apiVersion: string;
  /** "/services/data/v62.0" or "/services/data/v62.0/tooling". */
  urlBase: string;
}

/** A query result whose records are rendered on demand, a page at a time (cursors keep this). */
export interface LazyQueryResult {
  totalSize: number;
  /**
   * The selected fields as flat column names, as Bulk API CSV headers name them: canonical field
   * names, parent fields dotted through canonical relationship names (`Account.Name`).
   */
  columns: string[];
  /** Records `from` (inclusive) to `to` (exclusive), rendered as the API returns them. */
  render(from: number, to: number): Record<string, unknown>[];
}

export interface QueryResult {
  totalSize: number;
  records: Record<string, unknown>[];
}

/** A resolved field path: zero or more relationship hops, then a field. */
interface FieldPath {
  /** Relationship hops: the reference field on the current object and its relationship name. */
  hops: { field: SfField; name: string }[];
  field: string;
  /** Type of the final field (from the first object that has it, for polymorphic hops). */
  type: SfField['type'];
  /** Canonical final field name. */
  canonical: string;
}

const MAX_OFFSET = 2000;
/** Fields of the polymorphic "Name" entity (What.*, Who.*); `Type` is the record's object name. */
const NAME_ENTITY_FIELDS = [
  'Id',
  'Name',
  'Type',
  'Email',
  'FirstName',
  'LastName',
  'Title',
  'Username',
  'IsActive',
];
const TYPE_FIELD = '__type';

function malformed(soql: string, message: string): SalesforceApiError {
  return new SalesforceApiError(400, 'MALFORMED_QUERY', `\n${soql}\n^\nERROR at Row:1:Column:1\n${message}`);
}

/** Parse and run a SOQL query against the store. Throws SalesforceApiError with Salesforce's codes. */
export function executeSoql(soql: string, ctx: QueryContext): QueryResult {
  const result = executeSoqlLazy(soql, ctx);
  return { totalSize: result.totalSize, records: result.render(0, result.totalSize) };
}

/** Like {@link executeSoql}, rendering records only when a page is asked for. */
export function executeSoqlLazy(soql: string, ctx: QueryContext): LazyQueryResult {
  let query: Query;
  try {
    query = parseQuery(soql);
  } catch (err) {
    throw malformed(soql, `unexpected token: ${(err as Error).message.split('\n')[0] ?? ''}`);
  }
  return runQuery(soql, query, ctx);
}

function resolveObject(soql: string, ctx: QueryContext, name: string | undefined): SfObject {
  const object = name === undefined ? undefined : ctx.store.schema.get(name);
  if (object === undefined) {
    const at = name === undefined ? 0 : soql.indexOf(name);
    throw new SalesforceApiError(
      400,
      'INVALID_TYPE',
      `\n${soql}\n${' '.repeat(Math.max(0, at))}^\nERROR at Row:1:Column:${at + 1}\nsObject type '${name ?? ''}' is not supported. ` +
        "If you are attempting to use a custom object, be sure to append the '__c' after the entity name. " +
        'Please reference your WSDL or the describe call for the appropriate names.',
    );
  }
  return object;
}

function visibleField(ctx: QueryContext, object: SfObject, name: string): SfField | undefined {
  const field = object.fields.get(name.toLowerCase());
  if (field === undefined) return undefined;
  if (ctx.access !== null && !ctx.access.canRead(object, field)) return undefined;
  return field;
}

function targetObjects(ctx: QueryContext, field: SfField): SfObject[] {
  return field.referenceTo.map((n) => ctx.store.schema.get(n)).filter((o): o is SfObject => o !== undefined);
}

function resolvePath(soql: string, ctx: QueryContext, root: SfObject, dotted: string): FieldPath {
  const parts = dotted.split('.');
  const last = parts.pop() as string;
  let objects = [root];
  const hops: FieldPath['hops'] = [];
  for (const rel of parts) {
    const ref = [...(objects[0]?.fields.values() ?? [])].find(
      (f) => f.relationshipName !== null && f.relationshipName.toLowerCase() === rel.toLowerCase(),
    );
    if (
      ref === undefined ||
      (ctx.access !== null && objects[0] !== undefined && !ctx.access.canRead(objects[0], ref))
    ) {
      throw new SalesforceApiError(
        400,
        'INVALID_FIELD',
        `\n${soql}\n^\nERROR at Row:1:Column:1\nDidn't understand relationship '${rel}' in field path. ` +
          "If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. " +
          'Please reference your WSDL or the describe call for the appropriate names.',
      );
    }
    hops.push({ field: ref, name: ref.relationshipName ?? rel });
    objects = targetObjects(ctx, ref);
  }
  const lastHop = hops[hops.length - 1];
  if (lastHop !== undefined && lastHop.field.referenceTo.length > 1) {
    // Polymorphic relationships (What, Who) go through the "Name" entity: only its fields exist.
    const name = NAME_ENTITY_FIELDS.find((n) => n.toLowerCase() === last.toLowerCase());
    if (name === undefined) throw noSuchColumnInQuery(soql, dotted, 'Name');
    if (name === 'Type') return { hops, field: last, type: 'string', canonical: TYPE_FIELD };
    for (const o of objects) {
      const f = visibleField(ctx, o, name);
      if (f !== undefined) return { hops, field: last, type: f.type, canonical: f.name };
    }
    return { hops, field: last, type: 'string', canonical: name };
  }
  const target = objects[0] ?? root;
  const f = visibleField(ctx, target, last);
  if (f !== undefined) return { hops, field: last, type: f.type, canonical: f.name };
  throw noSuchColumnInQuery(soql, dotted, target.name);
}

/** Follow the path's hops from `row`; undefined when a hop is null or dangling. */
function follow(
  ctx: QueryContext,
  object: SfObject,
  row: SfRow,
  path: FieldPath,
): { object: SfObject; row: SfRow } | undefined {
  let current: { object: SfObject; row: SfRow } | undefined = { object, row };
  for (const hop of path.hops) {
    const id: unknown = current?.row[hop.field.name];
    if (typeof id !== 'string') return undefined;
    current = ctx.store.find(id);
    if (current === undefined) return undefined;
  }
  return current;
}

function fieldValue(target: { object: SfObject; row: SfRow }, canonical: string): unknown {
  return canonical === TYPE_FIELD ? target.object.name : (target.row[canonical] ?? null);
}

function valueAt(ctx: QueryContext, object: SfObject, row: SfRow, path: FieldPath): unknown {
  const target = follow(ctx, object, row, path);
  return target === undefined ? null : fieldValue(target, path.canonical);
}

// ---- WHERE ----------------------------------------------------------------------------------

type Token =
  | { t: '(' }
  | { t: ')' }
  | { t: 'AND' }
  | { t: 'OR' }
  | { t: 'NOT' }
  | { t: 'cond'; c: Condition };
type Predicate = (row: SfRow) => boolean;

function flatten(w: WhereClause | undefined, out: Token[]): void {
  if (w === undefined) return;
  const left = w.left as (Condition & { openParen?: number; closeParen?: number }) | null;
  if (left !== null && left !== undefined) {
    for (let i = 0; i < (left.openParen ?? 0); i += 1) out.push({ t: '(' });
    if ('field' in left || 'fn' in left) out.push({ t: 'cond', c: left });
    for (let i = 0; i < (left.closeParen ?? 0); i += 1) out.push({ t: ')' });
  }
  const operator = 'operator' in w ? String(w.operator) : '';
  if (operator === 'AND' || operator === 'OR' || operator === 'NOT') out.push({ t: operator });
  if ('right' in w) flatten(w.right, out);
}

function compileWhere(
  soql: string,
  ctx: QueryContext,
  object: SfObject,
  where: WhereClause | undefined,
): Predicate {
  if (where === undefined) return () => true;
  const tokens: Token[] = [];
  flatten(where, tokens);
  checkSemiJoins(soql, ctx, object, tokens);
  let i = 0;
  const peek = () => tokens[i];
  const orExpr = (): Predicate => {
    const parts = [andExpr()];
    while (peek()?.t === 'OR') {
      i += 1;
      parts.push(andExpr());
    }
    return parts.length === 1 ? (parts[0] as Predicate) : (r) => parts.some((p) => p(r));
  };
  const andExpr = (): Predicate => {
    const parts = [unary()];
    while (peek()?.t === 'AND') {
      i += 1;
      parts.push(unary());
    }
    return parts.length === 1 ? (parts[0] as Predicate) : (r) => parts.every((p) => p(r));
  };
  const unary = (): Predicate => {
    const tok = peek();
    i += 1;
    if (tok?.t === 'NOT') {
      const inner = unary();
      return (r) => !inner(r);
    }
    if (tok?.t === '(') {
      const inner = orExpr();
      if (peek()?.t !== ')') throw malformed(soql, 'unbalanced parentheses');
      i += 1;
      return inner;
    }
    if (tok?.t === 'cond') return compileCondition(soql, ctx, object, tok.c);
    throw malformed(soql, 'unexpected token in WHERE');
  };
  const predicate = orExpr();
  if (i !== tokens.length) throw malformed(soql, 'unexpected token in WHERE');
  return predicate;
}

/** Objects a semi-join or anti-join subquery cannot select from (SOQL reference, Comparison Operators). */
const NO_SEMI_JOIN_OBJECTS = new Set([
  'activityhistory',
  'attachment',
  'event',
  'eventattendee',
  'note',
  'openactivity',
  'task',
]);
const MAX_SEMI_JOINS = 2;
const ID_OR_REFERENCE = new Set(['id', 'reference']);

/**
 * The semi-join and anti-join rules of SOQL (SOQL and SOSL Reference, "Comparison Operators"): at
 * most two per WHERE clause, ID or reference fields on both sides, one selected field, no nesting,
 * not combined with OR, no activity objects in the subquery. Messages as real orgs word them.
 */
function checkSemiJoins(soql: string, ctx: QueryContext, object: SfObject, tokens: Token[]): void {
  const joins = tokens.flatMap((t) =>
    t.t === 'cond' && 'valueQuery' in t.c && t.c.valueQuery !== undefined
      ? [{ c: t.c, sub: t.c.valueQuery as Query }]
      : [],
  );
  if (joins.length === 0) return;
  if (joins.length > MAX_SEMI_JOINS)
    throw malformed(soql, `Maximum ${MAX_SEMI_JOINS} semi join sub-selects are allowed`);
  if (tokens.some((t) => t.t === 'OR'))
    throw malformed(soql, "Semi join sub-selects are not allowed with the 'OR' operator");
  for (const { c, sub } of joins) {
    const inner = sub.sObject ?? '';
    if (NO_SEMI_JOIN_OBJECTS.has(inner.toLowerCase()))
      throw malformed(soql, `Entity '${inner}' is not supported for semi join inner selects`);
    const left = resolvePath(soql, ctx, object, String((c as { field: string }).field));
    if (!ID_OR_REFERENCE.has(left.type))
      throw malformed(
        soql,
        `semi join sub selects are only allowed on id fields, cannot use: '${left.canonical}'`,
      );
    const fields = (sub.fields ?? []) as { type: string; field?: string }[];
    const only = fields.length === 1 ? fields[0] : undefined;
    const innerObject = resolveObject(soql, ctx, inner);
    const selected =
      only?.type === 'Field' && only.field !== undefined
        ? resolvePath(soql, ctx, innerObject, only.field)
        : null;
    if (selected === null || !ID_OR_REFERENCE.has(selected.type)) {
      const name = only?.field ?? fields.map((f) => f.field ?? f.type).join(', ');
      throw malformed(soql, `semi join sub selects can only query id fields, cannot use: '${name}'`);
    }
    const nested: Token[] = [];
    flatten(sub.where, nested);
    if (nested.some((t) => t.t === 'cond' && 'valueQuery' in t.c && t.c.valueQuery !== undefined))
      throw malformed(soql, 'Nesting of semi join sub-selects is not supported');
  }
}

interface Range {
  start: number;
  end: number;
}

function dayStart(d: Date, offsetDays = 0): number {
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + offsetDays);
}

/** Date literals (TODAY, LAST_N_DAYS:n, ...) as [start, end) in epoch ms, UTC. */
function dateLiteralRange(soql: string, literal: string, now: Date): Range {
  const [name, nText] = literal.toUpperCase().split(':');
  const n = Number(nText ?? 0);
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  switch (name) {
    case 'TODAY':
      return { start: dayStart(now), end: dayStart(now, 1) };
    case 'YESTERDAY':
      return { start: dayStart(now, -1), end: dayStart(now) };
    case 'TOMORROW':
      return { start: dayStart(now, 1), end: dayStart(now, 2) };
    case 'LAST_N_DAYS':
      return { start: dayStart(now, -n), end: dayStart(now, 1) };
    case 'NEXT_N_DAYS':
      return { start: dayStart(now, 1), end: dayStart(now, 1 + n) };
    case 'LAST_90_DAYS':
      return { start: dayStart(now, -90), end: dayStart(now, 1) };
    case 'NEXT_90_DAYS':
      return { start: dayStart(now, 1), end: dayStart(now, 91) };
    case 'THIS_MONTH':
      return { start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) };
    case 'LAST_MONTH':
      return { start: Date.UTC(y, m - 1, 1), end: Date.UTC(y, m, 1) };
    case 'THIS_YEAR':
      return { start: Date.UTC(y, 0, 1), end: Date.UTC(y + 1, 0, 1) };
    default:
      throw malformed(soql, `date literal ${literal} is not supported by the sandbox`);
  }
}

function unquote(s: string): string {
  const inner = s.startsWith("'") && s.endsWith("'") ? s.slice(1, -1) : s;
  // `\%` and `\_` stay escaped: they only mean something to LIKE (see likeRegex).
  return inner.replace(/\\(.)/g, (m, c: string) =>
    c === 'n' ? '\n' : c === 't' ? '\t' : c === '%' || c === '_' ? m : c,
  );
}

type Literal =
  | { kind: 'null' }
  | { kind: 'value'; v: string | number | boolean }
  | { kind: 'range'; r: Range };

const DATE_TYPES = new Set(['date', 'datetime']);
const NUMBER_TYPES = new Set(['currency', 'double', 'percent', 'int']);
const ID_TYPES = new Set(['id', 'reference']);

function typeError(soql: string, field: string, type: string): SalesforceApiError {
  return new SalesforceApiError(
    400,
    'INVALID_FIELD',
    `\n${soql}\n^\nERROR at Row:1:Column:1\nvalue of filter criterion for field '${field}' must be of type ${type === 'datetime' ? 'dateTime' : type} and should not be enclosed in quotes`,
  );
}

function parseLiteral(
  soql: string,
  ctx: QueryContext,
  path: FieldPath,
  literalType: string,
  raw: string,
): Literal {
  const type = path.type;
  if (literalType === 'NULL') return { kind: 'null' };
  if (literalType === 'DATE_LITERAL' || literalType === 'DATE_N_LITERAL') {
    if (!DATE_TYPES.has(type)) throw typeError(soql, path.field, type);
    return { kind: 'range', r: dateLiteralRange(soql, raw, ctx.now) };
  }
  if (type === 'date') {
    if (literalType !== 'DATE') throw typeError(soql, path.field, type);
    return { kind: 'value', v: Date.parse(`${raw}T00:00:00Z`) };
  }
  if (type === 'datetime') {
    if (literalType !== 'DATETIME') throw typeError(soql, path.field, type);
    return { kind: 'value', v: Date.parse(raw) };
  }
  if (type === 'boolean') {
    if (literalType !== 'BOOLEAN') throw typeError(soql, path.field, 'boolean');
    return { kind: 'value', v: raw.toUpperCase() === 'TRUE' };
  }
  if (NUMBER_TYPES.has(type)) {
    if (literalType !== 'INTEGER' && literalType !== 'DECIMAL') throw typeError(soql, path.field, 'number');
    return { kind: 'value', v: Number(raw) };
  }
  if (literalType !== 'STRING') throw typeError(soql, path.field, 'string');
  const text = unquote(raw);
  if (ID_TYPES.has(type) && !isSalesforceId(text)) {
    throw new SalesforceApiError(
      400,
      'INVALID_QUERY_FILTER_OPERATOR',
      `\n${soql}\n^\nERROR at Row:1:Column:1\ninvalid ID field: ${text}`,
    );
  }
  return { kind: 'value', v: text };
}

/** A row value normalised for comparison with a literal of the field's type. */
function comparable(type: SfField['type'], value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (type === 'date') return Date.parse(`${String(value).slice(0, 10)}T00:00:00Z`);
  if (type === 'datetime') return Date.parse(String(value));
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  return String(value);
}

function equals(type: SfField['type'], a: string | number | boolean, b: string | number | boolean): boolean {
  if (typeof a === 'string' && typeof b === 'string') {
    if (ID_TYPES.has(type)) return a.slice(0, 15) === b.slice(0, 15);
    return a.toLowerCase() === b.toLowerCase();
  }
  return a === b;
}

function order(type: SfField['type'], a: string | number | boolean, b: string | number | boolean): number {
  if (typeof a === 'string' && typeof b === 'string' && ID_TYPES.has(type)) return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') {
    const x = a.toLowerCase();
    const y = b.toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return Number(a) - Number(b);
}

function likeRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length) {
      re += (pattern[i + 1] as string).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i += 1;
    } else if (c === '%') re += '.*';
    else if (c === '_') re += '.';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'is');
}

function compileCondition(soql: string, ctx: QueryContext, object: SfObject, c: Condition): Predicate {
  if (!('field' in c) || typeof c.field !== 'string')
    throw malformed(soql, 'functions in WHERE are not supported by the sandbox');
  const path = resolvePath(soql, ctx, object, c.field);
  const op = String(c.operator).toUpperCase();
  const type = path.type;
  const get = (row: SfRow) => comparable(type, valueAt(ctx, object, row, path));

  if (op === 'IN' || op === 'NOT IN') {
    let members: (string | number | boolean | null)[];
    if ('valueQuery' in c && c.valueQuery !== undefined) {
      const sub = runQuery(soql, c.valueQuery as Query, { ...ctx, includeDeleted: false });
      members = sub.render(0, sub.totalSize).map((r) => {
        const v = Object.entries(r).find(([k]) => k !== 'attributes')?.[1];
        return typeof v === 'string' ? v : null;
      });
    } else {
      const values = Array.isArray(c.value) ? c.value : [String(c.value)];
      const types = Array.isArray(c.literalType) ? c.literalType : values.map(() => String(c.literalType));
      members = values.map((v, idx) => {
        const lit = parseLiteral(soql, ctx, path, String(types[idx] ?? types[0]), v);
        if (lit.kind === 'range') throw malformed(soql, 'date literals are not allowed in IN');
        return lit.kind === 'null' ? null : lit.v;
      });
    }
    // One normalised Set instead of comparing every row with every member: connectors send IN lists
    // of hundreds of ids. The key mirrors `equals` (15-character ids, case-insensitive text).
    const key = (v: string | number | boolean) =>
      typeof v === 'string'
        ? ID_TYPES.has(type)
          ? `s${v.slice(0, 15)}`
          : `s${v.toLowerCase()}`
        : `${typeof v}${String(v)}`;
    const set = new Set(members.flatMap((m) => (m === null ? [] : [key(m)])));
    const hasNull = members.includes(null);
    const has = (v: string | number | boolean | null) => (v === null ? hasNull : set.has(key(v)));
    return op === 'IN' ? (r) => has(get(r)) : (r) => !has(get(r));
  }

  const lit = parseLiteral(soql, ctx, path, String(c.literalType), String(c.value));
  if (op === 'LIKE') {
    if (lit.kind !== 'value' || typeof lit.v !== 'string') throw malformed(soql, 'invalid operator on field');
    const re = likeRegex(lit.v);
    return (r) => {
      const v = get(r);
      return typeof v === 'string' && re.test(v);
    };
  }
  if (lit.kind === 'null') {
    if (op === '=') return (r) => get(r) === null;
    if (op === '!=' || op === '<>') return (r) => get(r) !== null;
    return () => false;
  }
  if (lit.kind === 'range') {
    const { start, end } = lit.r;
    const test: Record<string, (v: number) => boolean> = {
      '=': (v) => v >= start && v < end,
      '!=': (v) => !(v >= start && v < end),
      '<>': (v) => !(v >= start && v < end),
      '<': (v) => v < start,
      '<=': (v) => v < end,
      '>': (v) => v >= end,
      '>=': (v) => v >= start,
    };
    const t = test[op];
    if (t === undefined) throw malformed(soql, `unexpected operator ${op}`);
    return (r) => {
      const v = get(r);
      return typeof v === 'number' && !Number.isNaN(v) && t(v);
    };
  }
  const want = lit.v;
  switch (op) {
    case '=':
      return (r) => {
        const v = get(r);
        return v !== null && equals(type, v, want);
      };
    case '!=':
    case '<>':
      return (r) => {
        const v = get(r);
        return v === null || !equals(type, v, want);
      };
    case '<':
    case '<=':
    case '>':
    case '>=':
      return (r) => {
        const v = get(r);
        if (v === null) return false;
        const cmp = order(type, v, want);
        return op === '<' ? cmp < 0 : op === '<=' ? cmp <= 0 : op === '>' ? cmp > 0 : cmp >= 0;
      };
    default:
      throw malformed(soql, `operator ${op} is not supported by the sandbox`);
  }
}

// ---- SELECT / ORDER BY / render ---------------------------------------------------------------

type SelectItem =
  | { kind: 'field'; path: FieldPath }
  | { kind: 'count' }
  | { kind: 'subquery'; name: string; field: string; plan: Plan };

/** Salesforce renders datetimes as 2024-01-31T10:00:00.000+0000. */
export function renderValue(type: SfField['type'], value: unknown): unknown {
  if (value === undefined) return null;
  if (type === 'datetime' && typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? value : new Date(ms).toISOString().replace('Z', '+0000');
  }
  return value;
}

function attributes(ctx: QueryContext, object: SfObject, id: unknown): Record<string, unknown> {
  return { type: object.name, url: `${ctx.urlBase}/sobjects/${object.name}/${String(id)}` };
}

function renderRow(
  ctx: QueryContext,
  object: SfObject,
  row: SfRow,
  items: SelectItem[],
  children: Map<string, Map<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { attributes: attributes(ctx, object, row.Id) };
  for (const item of items) {
    if (item.kind === 'subquery') {
      out[item.name] = children.get(item.name)?.get(row.Id) ?? null;
      continue;
    }
    if (item.kind !== 'field') continue;
    const { path } = item;
    if (path.hops.length === 0) {
      out[path.canonical] = renderValue(path.type, row[path.canonical]);
      continue;
    }
    // Nest as Salesforce does: { Account: { attributes, Industry } }, or null when the hop is empty.
    let container = out;
    let current: { object: SfObject; row: SfRow } | undefined = { object, row };
    let dead = false;
    for (const hop of path.hops) {
      const name = hop.name;
      const id: unknown = current?.row[hop.field.name];
      const next: { object: SfObject; row: SfRow } | undefined =
        typeof id === 'string' ? ctx.store.find(id) : undefined;
      if (dead || next === undefined) {
        if (!(name in container)) container[name] = null;
        dead = true;
        break;
      }
      const existing = container[name];
      if (existing === null || existing === undefined || typeof existing !== 'object') {
        const attrs = attributes(ctx, next.object, next.row.Id);
        // Salesforce types polymorphic parents as "Name" (the url still names the real object).
        if (hop.field.referenceTo.length > 1) attrs.type = 'Name';
        container[name] = { attributes: attrs };
      }
      container = container[name] as Record<string, unknown>;
      current = next;
    }
    if (!dead && current !== undefined) {
      const key = path.canonical === TYPE_FIELD ? 'Type' : path.canonical;
      container[key] = renderValue(path.type, fieldValue(current, path.canonical));
    }
  }
  return out;
}

/** A compiled SELECT: what to return, which rows, in what order. */
interface Plan {
  object: SfObject;
  items: SelectItem[];
  isCount: boolean;
  where: Predicate;
  orders: { path: FieldPath; desc: boolean; nullsFirst: boolean }[];
  offset: number;
  limit: number | undefined;
}

function compilePlan(soql: string, query: Query, ctx: QueryContext, object: SfObject, nested: boolean): Plan {
  const items: SelectItem[] = [];
  for (const f of query.fields ?? []) {
    const field = f as FieldType & { type: string };
    if (field.type === 'Field' && 'field' in field) {
      items.push({ kind: 'field', path: resolvePath(soql, ctx, object, field.field) });
    } else if (
      field.type === 'FieldRelationship' &&
      'rawValue' in field &&
      typeof field.rawValue === 'string'
    ) {
      items.push({ kind: 'field', path: resolvePath(soql, ctx, object, field.rawValue) });
    } else if (
      field.type === 'FieldFunctionExpression' &&
      'functionName' in field &&
      field.functionName.toUpperCase() === 'COUNT' &&
      (field.parameters ?? []).length === 0
    ) {
      items.push({ kind: 'count' });
    } else if (field.type === 'FieldSubquery' && 'subquery' in field && !nested) {
      items.push(compileSubquery(soql, ctx, object, field.subquery as Query & { relationshipName?: string }));
    } else {
      throw malformed(soql, `${field.type} in SELECT is not supported by the sandbox`);
    }
  }
  const isCount = items.some((i) => i.kind === 'count');
  if (isCount && items.length > 1) throw malformed(soql, 'COUNT() must be the only item in SELECT');
  const orders = (
    query.orderBy === undefined ? [] : Array.isArray(query.orderBy) ? query.orderBy : [query.orderBy]
  ).map((o) => {
    if (!('field' in o) || typeof o.field !== 'string') {
      throw malformed(soql, 'ORDER BY functions are not supported by the sandbox');
    }
    const path = resolvePath(soql, ctx, object, o.field);
    const desc = String(o.order ?? 'ASC').toUpperCase() === 'DESC';
    const nullsFirst = o.nulls === undefined ? !desc : String(o.nulls).toUpperCase() === 'FIRST';
    return { path, desc, nullsFirst };
  });
  const offset = query.offset ?? 0;
  if (offset > MAX_OFFSET) {
    throw new SalesforceApiError(
      400,
      'NUMBER_OUTSIDE_VALID_RANGE',
      `Maximum SOQL offset allowed is ${MAX_OFFSET}`,
    );
  }
  const where = compileWhere(soql, ctx, object, query.where);
  return { object, items, isCount, where, orders, offset, limit: query.limit };
}

function compileSubquery(
  soql: string,
  ctx: QueryContext,
  parent: SfObject,
  subquery: Query & { relationshipName?: string },
): SelectItem {
  const wanted = (subquery.relationshipName ?? '').toLowerCase();
  const rel = childRelationships(ctx.store.schema, parent).find((r) => r.name.toLowerCase() === wanted);
  const child = rel === undefined ? undefined : ctx.store.schema.get(rel.childObject);
  if (rel === undefined || child === undefined) {
    throw new SalesforceApiError(
      400,
      'INVALID_TYPE',
      `\n${soql}\n^\nERROR at Row:1:Column:1\nDidn't understand relationship '${subquery.relationshipName ?? ''}' in FROM part of query call. ` +
        "If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. " +
        'Please reference your WSDL or the describe call for the appropriate names.',
    );
  }
  return {
    kind: 'subquery',
    name: rel.name,
    field: rel.field,
    plan: compilePlan(soql, subquery, ctx, child, true),
  };
}

/** Matching rows of a plan, filtered and sorted, before OFFSET and LIMIT. */
function matchingRows(ctx: QueryContext, plan: Plan): SfRow[] {
  const { object, where, orders } = plan;
  const hasDeleted = object.fields.has('isdeleted');
  const rows = [...ctx.store.table(object).values()].filter(
    (r) => (ctx.includeDeleted || !hasDeleted || r.IsDeleted !== true) && where(r),
  );
  if (orders.length === 0) return rows;
  const keyed = rows.map((r, idx) => ({
    r,
    idx,
    keys: orders.map((o) => comparable(o.path.type, valueAt(ctx, object, r, o.path))),
  }));
  keyed.sort((a, b) => {
    for (let k = 0; k < orders.length; k += 1) {
      const o = orders[k] as (typeof orders)[number];
      const x = a.keys[k] ?? null;
      const y = b.keys[k] ?? null;
      if (x === null && y === null) continue;
      if (x === null) return o.nullsFirst ? -1 : 1;
      if (y === null) return o.nullsFirst ? 1 : -1;
      const cmp = order(o.path.type, x, y);
      if (cmp !== 0) return o.desc ? -cmp : cmp;
    }
    return a.idx - b.idx;
  });
  return keyed.map((k) => k.r);
}

function page(plan: Plan, rows: SfRow[]): SfRow[] {
  return rows.slice(plan.offset, plan.limit === undefined ? undefined : plan.offset + plan.limit);
}

/**
 * Child subquery results per parent id, as Salesforce nests them: `{ totalSize, done, records }`,
 * or null for a parent without children.
 */
function childResults(
  ctx: QueryContext,
  item: Extract<SelectItem, { kind: 'subquery' }>,
): Map<string, unknown> {
  const groups = new Map<string, SfRow[]>();
  for (const row of matchingRows(ctx, item.plan)) {
    const parentId = row[item.field];
    if (typeof parentId !== 'string') continue;
    const list = groups.get(parentId) ?? [];
    list.push(row);
    groups.set(parentId, list);
  }
  const out = new Map<string, unknown>();
  for (const [parentId, rows] of groups) {
    const records = page(item.plan, rows).map((r) =>
      renderRow(ctx, item.plan.object, r, item.plan.items, new Map()),
    );
    if (records.length > 0) out.set(parentId, { totalSize: records.length, done: true, records });
  }
  return out;
}

function columnsOf(plan: Plan): string[] {
  return plan.items.flatMap((item) => {
    if (item.kind === 'subquery') return [item.name];
    if (item.kind !== 'field') return [];
    const last = item.path.canonical === TYPE_FIELD ? 'Type' : item.path.canonical;
    return [[...item.path.hops.map((h) => h.name), last].join('.')];
  });
}

function runQuery(soql: string, query: Query, ctx: QueryContext): LazyQueryResult {
  const object = resolveObject(soql, ctx, query.sObject);
  const plan = compilePlan(soql, query, ctx, object, false);
  const rows = page(plan, matchingRows(ctx, plan));
  if (plan.isCount) return { totalSize: rows.length, columns: [], render: () => [] };
  const children = new Map<string, Map<string, unknown>>();
  for (const item of plan.items)
    if (item.kind === 'subquery') children.set(item.name, childResults(ctx, item));
  return {
    totalSize: rows.length,
    columns: columnsOf(plan),
    render: (from, to) => rows.slice(from, to).map((r) => renderRow(ctx, object, r, plan.items, children)),
  };
}

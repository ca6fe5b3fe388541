import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ApiUsage } from './api-usage.ts';
import { createCustomField } from './custom-fields.ts';
import type { RecordStore } from './record-store.ts';
import { SalesforceApiError } from './salesforce-errors.ts';
import type { TokenStore } from './token-store.ts';

/**
 * A minimal Metadata API (SOAP) endpoint: `createMetadata` of CustomField and PermissionSet, what
 * jsforce's `conn.metadata.create(type, metadata)` sends to `/services/Soap/m/{version}`. Anything
 * else is a SOAP fault. Parsing is by pattern, enough for the envelopes jsforce writes.
 */
export interface MetadataSoapOptions {
  store: RecordStore;
  tooling: RecordStore;
  tokens: TokenStore;
  usage: ApiUsage;
  now: () => Date;
  /** Create a record through the same rules as the REST API (for permission sets). */
  create: (
    type: string,
    values: Record<string, unknown>,
  ) => { id: string | null; errors: { statusCode: string; message: string }[] };
}

const ENVELOPE_START =
  '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="http://soap.sforce.com/2006/04/metadata"><soapenv:Body>';
const ENVELOPE_END = '</soapenv:Body></soapenv:Envelope>';

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function unescapeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Text of the first `<tag>` directly in `xml` (namespace prefixes ignored). */
function tag(xml: string, name: string): string | undefined {
  const m = new RegExp(`<(?:\\w+:)?${name}(?:\\s[^>]*)?>([^<]*)</(?:\\w+:)?${name}>`).exec(xml);
  return m?.[1] === undefined ? undefined : unescapeXml(m[1]);
}

function blocks(xml: string, name: string): { attrs: string; body: string }[] {
  const re = new RegExp(`<(?:\\w+:)?${name}(\\s[^>]*)?>([\\s\\S]*?)</(?:\\w+:)?${name}>`, 'g');
  return [...xml.matchAll(re)].map((m) => ({ attrs: m[1] ?? '', body: m[2] ?? '' }));
}

function fault(reply: FastifyReply, code: string, message: string): FastifyReply {
  return reply
    .code(500)
    .type('text/xml')
    .send(
      `${ENVELOPE_START}<soapenv:Fault><faultcode>sf:${code}</faultcode><faultstring>${code}: ${escapeXml(message)}</faultstring></soapenv:Fault>${ENVELOPE_END}`,
    );
}

function saveResult(fullName: string, error: { statusCode: string; message: string } | null): string {
  const errors =
    error === null
      ? ''
      : `<errors><message>${escapeXml(error.message)}</message><statusCode>${error.statusCode}</statusCode></errors>`;
  return `<result>${errors}<fullName>${escapeXml(fullName)}</fullName><success>${error === null}</success></result>`;
}

function numberOr(text: string | undefined): number | undefined {
  return text === undefined || text === '' ? undefined : Number(text);
}

export function registerMetadataSoapRoute(app: FastifyInstance, o: MetadataSoapOptions): void {
  app.addContentTypeParser('text/xml', { parseAs: 'string' }, (_req, body, done) => done(null, String(body)));

  app.post('/services/Soap/m/:version', async (request, reply) => {
    const xml = typeof request.body === 'string' ? request.body : '';
    const session = tag(xml, 'sessionId');
    if (session === undefined || !o.tokens.isAccessValid(session))
      return fault(reply, 'INVALID_SESSION_ID', 'Invalid Session ID found in SessionHeader: Illegal Session');
    if (!o.usage.take()) return fault(reply, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
    const call = blocks(xml, 'createMetadata')[0];
    if (call === undefined)
      return fault(reply, 'UNKNOWN_EXCEPTION', 'The sandbox serves only createMetadata');

    const results = blocks(call.body, 'metadata').map(({ attrs, body }) => {
      const type = /type="(?:\w+:)?(\w+)"/.exec(attrs)?.[1] ?? '';
      const fullName = tag(body, 'fullName') ?? '';
      if (type === 'CustomField') {
        const metadata: Record<string, unknown> = { type: tag(body, 'type'), label: tag(body, 'label') };
        for (const key of ['precision', 'scale', 'length']) {
          const n = numberOr(tag(body, key));
          if (n !== undefined) metadata[key] = n;
        }
        try {
          createCustomField(o.store.schema, o.tooling, { FullName: fullName, Metadata: metadata }, o.now());
          return saveResult(fullName, null);
        } catch (err) {
          if (err instanceof SalesforceApiError)
            return saveResult(fullName, { statusCode: err.errorCode, message: err.message });
          throw err;
        }
      }
      if (type === 'PermissionSet') {
        const created = o.create('PermissionSet', { Name: fullName, Label: tag(body, 'label') ?? fullName });
        const first = created.errors[0];
        if (created.id === null || first !== undefined)
          return saveResult(fullName, first ?? { statusCode: 'UNKNOWN_EXCEPTION', message: 'failed' });
        for (const fp of blocks(body, 'fieldPermissions')) {
          const field = tag(fp.body, 'field') ?? '';
          const done = o.create('FieldPermissions', {
            ParentId: created.id,
            SobjectType: field.split('.')[0] ?? '',
            Field: field,
            PermissionsRead: tag(fp.body, 'readable') === 'true',
            PermissionsEdit: tag(fp.body, 'editable') === 'true',
          });
          const error = done.errors[0];
          if (error !== undefined) return saveResult(fullName, error);
        }
        return saveResult(fullName, null);
      }
      return saveResult(fullName, {
        statusCode: 'INVALID_TYPE',
        message: `The sandbox cannot create ${type} metadata`,
      });
    });
    return reply
      .code(200)
      .type('text/xml')
      .send(
        `${ENVELOPE_START}<createMetadataResponse>${results.join('')}</createMetadataResponse>${ENVELOPE_END}`,
      );
  });
}

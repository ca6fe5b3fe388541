import { describe, expect, it } from 'vitest';
import { toTenantView } from '../../../src/admin/tenant-view.ts';
import { parseTenants } from '../../../src/config/tenants-file.ts';

describe('tenant view', () => {
  it('shows the auth type and which fields are set, never their values', () => {
    const [tenant] = parseTenants({
      tenants: [
        {
          id: 'globex',
          name: 'Globex',
          alerts: { webhookUrl: 'https://hooks.example.com/T000/secret-path' },
          connection: {
            crm: 'salesforce',
            auth: {
              type: 'refresh_token',
              clientId: 'cid-123',
              clientSecret: 'cs-456',
              refreshToken: 'rt-789',
            },
          },
        },
      ],
    });
    const view = toTenantView(tenant!, 'api');
    const text = JSON.stringify(view);
    for (const secret of ['cid-123', 'cs-456', 'rt-789', 'secret-path']) expect(text).not.toContain(secret);
    expect(view.connection.auth).toEqual({
      type: 'refresh_token',
      fieldsSet: ['clientId', 'clientSecret', 'refreshToken'],
    });
    expect(view.connection.crm).toBe('salesforce');
    expect(view.alerts.webhookUrlSet).toBe(true);
    expect(view.readOnly).toBe(false);
    expect(toTenantView(tenant!, 'file').readOnly).toBe(true);
  });
});

import { randomBytes, randomUUID } from 'node:crypto';
import type { RedisClient } from '../../../src/store/redis-client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTenants } from '../../../src/config/tenants-file.ts';
import { CredentialCipher } from '../../../src/store/credential-cipher.ts';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';
import { TenantRegistryStore } from '../../../src/store/tenant-registry.store.ts';

const tenantInput = {
  id: 'globex',
  name: 'Globex',
  connection: {
    crm: 'salesforce',
    auth: { type: 'client_credentials', clientId: 'cid-registry-1', clientSecret: 'cs-registry-2' },
  },
};
const [tenant] = parseTenants({ tenants: [tenantInput] });

describe('TenantRegistryStore (real Redis)', () => {
  let redis: RedisEndpoint;
  let client: RedisClient;
  beforeAll(async () => {
    redis = await resolveRedis(undefined);
    client = redis.createClient();
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.close();
  });

  it('stores credentials encrypted and reads the same tenant back', async () => {
    const prefix = `g${randomUUID().slice(0, 8)}`;
    const registry = new TenantRegistryStore({
      redis: client,
      prefix,
      cipher: new CredentialCipher(randomBytes(32)),
    });
    await registry.put(tenant!);
    const raw = (await client.hget(`${prefix}:admin:tenants`, 'globex')) ?? '';
    expect(raw).not.toContain('cid-registry-1');
    expect(raw).not.toContain('cs-registry-2');
    expect(JSON.parse(raw)).toMatchObject({ authType: 'client_credentials', tenant: { id: 'globex' } });
    expect(await registry.get('globex')).toEqual(tenant);
    expect(await registry.list()).toEqual([tenant]);
    expect(await registry.delete('globex')).toBe(true);
    expect(await registry.get('globex')).toBeNull();
  });

  it('keeps the digest webhook URL encrypted (a Slack webhook URL is a credential; docs/DIGEST.md)', async () => {
    const prefix = `g${randomUUID().slice(0, 8)}`;
    const registry = new TenantRegistryStore({
      redis: client,
      prefix,
      cipher: new CredentialCipher(randomBytes(32)),
    });
    const url = 'https://hooks.slack.com/services/T0/B0/digest-token-registry-3';
    const [withDigest] = parseTenants(
      { tenants: [{ ...tenantInput, digest: { webhookUrl: url, signingSecretEnv: 'PH_DIGEST_GLOBEX' } }] },
      '(test)',
      { PH_DIGEST_GLOBEX: 'set' },
    );
    await registry.put(withDigest!);
    const raw = (await client.hget(`${prefix}:admin:tenants`, 'globex')) ?? '';
    expect(raw).not.toContain('digest-token-registry-3');
    expect(raw).toContain('PH_DIGEST_GLOBEX'); // the variable's name is not a secret
    expect(await registry.get('globex')).toEqual(withDigest);
  });

  it('refuses to store or read without a key, and cannot read with another key or under another id', async () => {
    const prefix = `g${randomUUID().slice(0, 8)}`;
    const keyless = new TenantRegistryStore({ redis: client, prefix, cipher: null });
    expect(keyless.canStoreCredentials).toBe(false);
    await expect(keyless.put(tenant!)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: /PH_ENCRYPTION_KEY/,
    });
    expect(await client.hlen(`${prefix}:admin:tenants`)).toBe(0);

    const registry = new TenantRegistryStore({
      redis: client,
      prefix,
      cipher: new CredentialCipher(randomBytes(32)),
    });
    await registry.put(tenant!);
    const otherKey = new TenantRegistryStore({
      redis: client,
      prefix,
      cipher: new CredentialCipher(randomBytes(32)),
    });
    await expect(otherKey.get('globex')).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    // A record copied under another tenant id does not decrypt (the id is the associated data).
    await client.hset(`${prefix}:admin:tenants`, 'initech', (await registry.rawRecord('globex'))!);
    await expect(registry.get('initech')).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});

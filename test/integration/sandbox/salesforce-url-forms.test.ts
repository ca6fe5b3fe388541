import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type SalesforceSandboxHandle,
  startSalesforceSandbox,
} from '../../../src/sandbox/salesforce/salesforce-sandbox.ts';
import { salesforceTestWorld } from './salesforce-world.fixture.ts';

/**
 * Request forms other clients send. A widely used Python client (simple-salesforce) builds its URLs
 * with a trailing slash (`query/?q=`, `sobjects/Task/`, `limits/`), and the cloud answers them as
 * the documented resources (REST API Developer Guide, Resources:
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_list.htm).
 * Tooling API query answers carry `size`, `totalSize`, `done`, `queryLocator`, `entityTypeName`
 * (Tooling API, "Query": https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/api_tooling/intro_rest_resources.htm).
 */
describe('Salesforce sandbox: trailing slashes and Tooling query answers', () => {
  let sandbox: SalesforceSandboxHandle;
  const base = () => `${sandbox.baseUrl}/services/data/v62.0`;
  const call = async (method: string, url: string, body?: unknown) => {
    const response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${sandbox.accessToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      json: text === '' ? null : (JSON.parse(text) as Record<string, unknown>),
    };
  };

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ world: salesforceTestWorld({ deals: 3 }) });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('answers the resources with a trailing slash as without', async () => {
    const q = encodeURIComponent('SELECT Id FROM Opportunity');
    const pairs: [string, string][] = [
      [`${base()}/`, base()],
      [`${base()}/query/?q=${q}`, `${base()}/query?q=${q}`],
      [`${base()}/queryAll/?q=${q}`, `${base()}/queryAll?q=${q}`],
      [`${base()}/limits/`, `${base()}/limits`],
      [`${base()}/sobjects/`, `${base()}/sobjects`],
      [`${base()}/sobjects/Task/`, `${base()}/sobjects/Task`],
      [`${base()}/sobjects/Task/describe/`, `${base()}/sobjects/Task/describe`],
      [`${sandbox.baseUrl}/services/data/`, `${sandbox.baseUrl}/services/data`],
    ];
    for (const [slash, plain] of pairs) {
      const [a, b] = [await call('GET', slash), await call('GET', plain)];
      expect(a.status, slash).toBe(200);
      // /limits moves with every call (each one is counted): compare its shape.
      if (plain.endsWith('/limits')) expect(Object.keys(a.json ?? {})).toEqual(Object.keys(b.json ?? {}));
      else expect(a.json, slash).toEqual(b.json);
    }
    const created = await call('POST', `${base()}/sobjects/Task/`, {
      Subject: 'slash',
      WhatId: sandbox.idOf('deal', 1),
    });
    expect(created.status).toBe(201);
    const id = String(created.json?.id);
    expect((await call('GET', `${base()}/sobjects/Task/${id}/`)).json).toMatchObject({ Subject: 'slash' });
    expect((await call('PATCH', `${base()}/sobjects/Task/${id}/`, { Subject: 'slash 2' })).status).toBe(204);
    expect((await call('DELETE', `${base()}/sobjects/Task/${id}/`)).status).toBe(204);
  });

  it('Tooling query answers carry size, totalSize, done, queryLocator and entityTypeName', async () => {
    const q = encodeURIComponent("SELECT Id, DeveloperName FROM CustomField WHERE DeveloperName = 'none'");
    for (const url of [`${base()}/tooling/query?q=${q}`, `${base()}/tooling/query/?q=${q}`]) {
      const answer = await call('GET', url);
      expect(answer.status).toBe(200);
      expect(answer.json).toMatchObject({
        size: 0,
        totalSize: 0,
        done: true,
        queryLocator: null,
        entityTypeName: 'CustomField',
        records: [],
      });
    }
  });
});

import { describe, expect, it } from 'vitest';
import { createHubSpotConnector } from '../../../connectors/hubspot/hubspot.connector.ts';
import { AppError } from '../../../src/shared/app-error.ts';
import { createLogger } from '../../../src/shared/logger.ts';

const logger = createLogger({ level: 'silent' });

describe('createHubSpotConnector', () => {
  it('validates the connection where it enters', () => {
    const bad = () =>
      createHubSpotConnector({
        connection: { crm: 'hubspot', auth: { type: 'private_app', accessToken: '' }, basePath: 'not a url' },
        logger,
      });
    expect(bad).toThrow(AppError);
    try {
      bad();
    } catch (err) {
      expect((err as AppError).code).toBe('CONFIG_INVALID');
      expect(JSON.stringify((err as AppError).details)).toContain('basePath');
    }
  });

  it('starts with no calls made', () => {
    const connector = createHubSpotConnector({
      connection: { crm: 'hubspot', auth: { type: 'private_app', accessToken: 'pat-na1-x' } },
      logger,
    });
    expect(connector.crm).toBe('hubspot');
    expect(connector.usage()).toEqual({
      calls: 0,
      callsByEndpoint: {},
      rateLimited: 0,
      daily: { used: null, max: null },
    });
  });
});

import { AppError } from '../../src/shared/app-error.ts';

/**
 * Turn a CRM answer that says a health field/property does not exist into CRM_SCHEMA_MISSING, so
 * the write-back can run the schema bootstrap again (the tenant moved to another portal/org, or an
 * admin deleted the fields) instead of failing every write until Redis is cleared by hand.
 */
export async function withSchemaMissing<T>(
  call: Promise<T>,
  isMissing: (err: unknown) => boolean,
): Promise<T> {
  try {
    return await call;
  } catch (err) {
    if (!isMissing(err)) throw err;
    throw new AppError(
      'CRM_SCHEMA_MISSING',
      `A health field is missing or not visible to the integration user: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}

import { z } from 'zod';
import { unknownKeysMessage } from './did-you-mean.ts';

/**
 * A zod object that refuses unknown keys, naming each with a "did you mean" hint: a misspelt
 * option (`basepath`, `shedule`) must be an error, never a silent fallback to the default.
 */
export function strictObject<T extends z.core.$ZodLooseShape>(shape: T) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys' ? unknownKeysMessage(issue.keys, known) : undefined,
  });
}

/** RFC 9457 problem details, as every error is answered (documentation: src/api/problem.ts renders them). */
import * as z from 'zod/mini';
import { PROBLEM_MAX_ERRORS, PROBLEM_MAX_MESSAGE, PROBLEM_MAX_PATH } from '../limits.ts';
import { doc, str } from './primitives.ts';

export const Problem = doc(
  z.object({
    type: str(256),
    title: str(128),
    status: z.int(),
    detail: str(1024),
    code: doc(str(64), { description: 'Stable snake_case error code' }),
    errors: z.optional(
      z
        .array(
          z.object({
            path: str(PROBLEM_MAX_PATH),
            message: str(PROBLEM_MAX_MESSAGE),
            index: z.optional(
              doc(z.int(), {
                description: '`batch_rejected`: the refused transfer\u2019s index in `transfers`',
              }),
            ),
            code: z.optional(
              doc(str(64), { description: '`batch_rejected`: why that transfer was refused' }),
            ),
          }),
        )
        .check(z.maxLength(PROBLEM_MAX_ERRORS)),
    ),
  }),
  { id: 'Problem' },
);

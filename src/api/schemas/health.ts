/** The health check's answer. */
import * as z from 'zod/mini';
import { doc } from './primitives.ts';

export const Health = doc(z.object({ status: z.literal('ok') }), { id: 'Health' });

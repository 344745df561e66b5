/** The routes the `schedules-api` function serves (src/functions.ts); src/api/routes.ts assembles the whole table. */
import { common, keyed, type RouteDef, route } from '../route-def.ts';
import {
  Schedule,
  ScheduleBody,
  ScheduleList,
  ScheduleListQuery,
  ScheduleParams,
} from '../schemas/schedules.ts';

export const routes = {
  createSchedule: route({
    method: 'POST',
    path: '/v1/scheduled-transfers',
    fn: 'schedules-api',
    role: 'customer',
    summary: 'Schedule a one-off, weekly or monthly transfer',
    // Created once per key: a schedule made twice would pay every run twice.
    idempotent: true,
    body: ScheduleBody,
    status: 201,
    response: Schedule,
    errors: [
      ...keyed,
      'not_found',
      'account_not_active',
      'currency_mismatch',
      'same_account',
      'recipient_not_found',
      'daily_limit_exceeded',
      'schedule_limit_reached',
    ],
  }),
  listSchedules: route({
    method: 'GET',
    path: '/v1/scheduled-transfers',
    fn: 'schedules-api',
    role: 'customer',
    summary:
      'The caller\u2019s scheduled transfers, newest first (ended and cancelled ones too), a page at a time',
    query: ScheduleListQuery,
    status: 200,
    response: ScheduleList,
    errors: [...common, 'invalid_cursor'],
  }),
  getSchedule: route({
    method: 'GET',
    path: '/v1/scheduled-transfers/{id}',
    fn: 'schedules-api',
    role: 'customer',
    summary: 'One scheduled transfer with its newest 100 runs',
    params: ScheduleParams,
    status: 200,
    response: Schedule,
    errors: [...common, 'not_found'],
  }),
  cancelSchedule: route({
    method: 'DELETE',
    path: '/v1/scheduled-transfers/{id}',
    fn: 'schedules-api',
    role: 'customer',
    summary: 'Cancel a scheduled transfer: no later run starts',
    params: ScheduleParams,
    status: 200,
    response: Schedule,
    errors: [...common, 'not_found'],
  }),
} as const satisfies Record<string, RouteDef>;

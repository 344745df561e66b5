/**
 * What a route is: the shape every route module (src/api/routes/*.ts) declares its routes in, and the
 * helpers the HTTP layer, the local gateway and the CDK app share. Data and types only: a Lambda
 * bundle imports this and its own function's routes, never the whole table (src/api/routes.ts).
 */
import type { ZodMiniType } from 'zod/mini';
import type { ErrorCode } from '../domain/errors.ts';
import type { HttpFunctionName } from '../functions.ts';
import type { OperationId } from './routes.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
export type Role = 'public' | 'customer' | 'admin';

export interface RouteDef {
  method: Method;
  path: string;
  /** The function (src/functions.ts) that serves it. */
  fn: HttpFunctionName;
  summary: string;
  /**
   * Who may call it. `public`: no token. `customer`: a valid Cognito access token (the HTTP API JWT
   * authorizer). `admin`: that, plus the `admin` group (and the rules of the admin guard).
   */
  role: Role;
  /** Money-moving: requires the Idempotency-Key header. */
  idempotent?: boolean;
  /**
   * Takes an Idempotency-Key when one is sent (a creation a retry must not make twice, which took no
   * key before: opening an account), with `idempotent`'s replay rules; without one, every request acts
   * anew, as before. Not `idempotent`: no money moves, so neither the money routes' throttle nor
   * `idempotency_key_required` applies.
   */
  optionalKey?: boolean;
  body?: ZodMiniType;
  params?: ZodMiniType;
  query?: ZodMiniType;
  status: number;
  /** Other success statuses the route may answer, with the same body (documented beside `status`). */
  alsoStatus?: readonly number[];
  response?: ZodMiniType;
  /**
   * A success body that is not JSON (its media type), documented as a string, with the
   * Content-Disposition that names the download.
   */
  produces?: 'text/csv';
  /** The success answer carries `Location`: the path of what it created. */
  location?: true;
  errors: readonly ErrorCode[];
}

export const route = <const R extends RouteDef>(r: R): R => r;

/** Whether the route sits behind the JWT authorizer (every role but `public`). */
export const needsToken = (r: { role: Role }): boolean => r.role !== 'public';

export const common: ErrorCode[] = ['validation_failed', 'unauthorized'];
export const keyed: ErrorCode[] = [
  ...common,
  'idempotency_key_required',
  'idempotency_key_reused',
  'idempotency_key_in_use',
  'not_found',
  'account_not_active',
  'service_unavailable',
];
export const money: ErrorCode[] = [...keyed, 'insufficient_funds', 'daily_limit_exceeded'];
/** What every admin route may answer: the guard's refusals (src/handlers/gate.ts) beside the common ones. */
export const adminErrors: ErrorCode[] = [
  ...common,
  'forbidden',
  'mfa_required',
  'user_disabled',
  'password_reset_required',
];
export const admin = adminErrors;

/** `"POST /v1/accounts/{id}/deposits"`: the HTTP API route key. */
export const routeKey = (r: Pick<RouteDef, 'method' | 'path'>): string => `${r.method} ${r.path}`;

/** A route with its operation id (the key it is declared under). */
export type RouteEntry = { operationId: OperationId } & RouteDef;

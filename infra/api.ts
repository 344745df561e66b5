/**
 * The HTTP API: one route per entry of the route table, a Cognito JWT authorizer on every route
 * that needs a customer, CORS for the web client's origin only, JSON access logs, stage throttling.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CorsHttpMethod,
  HttpApi,
  type HttpMethod,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { UserPool, UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { routeKey, routeList } from '../src/api/routes.ts';
import type { HttpFunctionName as FunctionName } from '../src/functions.ts';
import { corsConfig } from '../src/local/cors.ts';
import type { StageConfig } from './stage.ts';

/**
 * Cognito puts this scope in every access token and in no id token, so requiring it makes the
 * authorizer accept access tokens only (the local gateway checks `token_use: access` likewise).
 */
export const accessTokenScope = 'aws.cognito.signin.user.admin';

/** One JSON object per request; no request bodies or headers, so no secrets or tokens reach the log. */
const accessLogFormat = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTimeEpoch',
    ip: '$context.identity.sourceIp',
    userAgent: '$context.identity.userAgent',
    routeKey: '$context.routeKey',
    path: '$context.path',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationLatency: '$context.integrationLatency',
    integrationStatus: '$context.integrationStatus',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
    error: '$context.error.message',
    sub: '$context.authorizer.claims.sub',
  }),
);

export interface ApiProps {
  cfg: StageConfig;
  functions: Record<FunctionName, IFunction>;
  userPool: UserPool;
  client: UserPoolClient;
  /** The web client's origin, e.g. `https://d1234.cloudfront.net`: the one origin CORS allows. */
  webOrigin: string;
}

export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  /** `https://<id>.execute-api.<region>.amazonaws.com` (no trailing slash). */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const { cfg } = props;
    const cors = corsConfig([props.webOrigin]);

    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: `Serverless Bank API (${cfg.stage})`,
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: [...cors.origins],
        allowMethods: cors.methods.map((m) => m as CorsHttpMethod),
        allowHeaders: [...cors.headers],
        exposeHeaders: [...cors.exposeHeaders],
        maxAge: Duration.seconds(cors.maxAgeSeconds),
      },
    });

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: cfg.logRetention,
      removalPolicy: cfg.removalPolicy,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: cfg.throttle,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: accessLogFormat },
    });
    this.url = this.httpApi.apiEndpoint;

    const authorizer = new HttpUserPoolAuthorizer('CognitoAuthorizer', props.userPool, {
      userPoolClients: [props.client],
      identitySource: ['$request.header.Authorization'],
    });
    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    const integrationOf = (fn: FunctionName): HttpLambdaIntegration => {
      let i = integrations.get(fn);
      if (!i) {
        i = new HttpLambdaIntegration(`${fn}-integration`, props.functions[fn]);
        integrations.set(fn, i);
      }
      return i;
    };

    for (const r of routeList) {
      const [route] = this.httpApi.addRoutes({
        path: r.path,
        methods: [r.method as HttpMethod],
        integration: integrationOf(r.fn),
        ...(r.auth ? { authorizer, authorizationScopes: [accessTokenScope] } : {}),
      });
      if (!r.auth && route) {
        Validations.of(route).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${routeKey(r)} is public by design (${r.summary.toLowerCase()}): it runs before the caller has a token.`,
        });
      }
    }
  }
}

/**
 * The HTTP API: one route per entry of the route table, a Cognito JWT authorizer on every route
 * that needs a customer, CORS for the web client's origin only, JSON access logs, stage throttling.
 */
import { ArnFormat, Aws, CfnRule, Duration, Fn, SecretValue, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  type CorsHttpMethod,
  HttpApi,
  type HttpMethod,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AllowedMethods,
  CachePolicy,
  Function as CloudFrontFunction,
  Distribution,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { UserPool, UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { CfnLoggingConfiguration, CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { corsConfig } from '../src/api/cors.ts';
import { ORIGIN_HEADER_NAME, VIEWER_IP_FUNCTION } from '../src/api/edge.ts';
import { API_SECURITY_HEADERS } from '../src/api/headers.ts';
import { needsToken, type RouteEntry, routeKey, routeList } from '../src/api/routes.ts';
import type { HttpFunctionName as FunctionName } from '../src/functions.ts';
import { ACCESS_TOKEN_SCOPE } from '../src/identity/jwt.ts';
import type { StageConfig, Throttle } from './stage.ts';
import { cloudFrontName } from './web.ts';

/**
 * A route's own throttle, when tighter than the stage's: the token refresh; the other public auth
 * routes (callable by anyone, and each one a Cognito call); and the money-moving routes. API Gateway
 * throttles per route, for all callers together; the per-user limit exists only in the local gateway.
 */
export const routeThrottle = (
  cfg: StageConfig,
  r: Pick<RouteEntry, 'role' | 'idempotent' | 'path'>,
): Throttle | undefined => {
  if (r.path === '/v1/auth/refresh') return cfg.routeThrottle.refresh;
  if (!needsToken(r) && r.path !== '/health') return cfg.routeThrottle.public;
  if (r.idempotent) return cfg.routeThrottle.money;
  return undefined;
};

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
  /** With `apiEdge`: the secret whose `current` value CloudFront sends to the API (src/api/edge.ts). */
  originSecret?: ISecret;
  /**
   * With `apiEdge`: where the edge distribution's standard logs go (the access-logs bucket), the one
   * record of each viewer's address and of the requests the WAF blocks before they reach the API.
   */
  accessLogs?: IBucket;
}

export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  /**
   * The base URL clients use: `https://<id>.execute-api.<region>.amazonaws.com`, or the edge
   * distribution's `https://<id>.cloudfront.net` when `apiEdge` is on (no trailing slash).
   */
  readonly url: string;
  /**
   * The CloudFront distribution and WAF web ACL in front of the API, when `apiEdge` is on, and the log
   * group of the web ACL's logs.
   */
  readonly edge?: { distribution: Distribution; webAcl: CfnWebACL; wafLogs: LogGroup };

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
    const cfnStage = this.stage.node.defaultChild as CfnStage;
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};

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
        ...(needsToken(r) ? { authorizer, authorizationScopes: [ACCESS_TOKEN_SCOPE] } : {}),
      });
      const throttle = routeThrottle(cfg, r);
      if (throttle && route) {
        routeSettings[routeKey(r)] = {
          ThrottlingRateLimit: throttle.rateLimit,
          ThrottlingBurstLimit: throttle.burstLimit,
        };
        // Route settings name existing routes: CloudFormation must create the route first.
        cfnStage.addResourceDependency(route.node.defaultChild as CfnStage);
      }
      if (!needsToken(r) && route) {
        Validations.of(route).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${routeKey(r)} is public by design (${r.summary.toLowerCase()}): it runs before the caller has a token.`,
        });
      }
    }
    cfnStage.routeSettings = routeSettings;

    if (cfg.apiEdge) {
      if (!props.originSecret) throw new Error('apiEdge: the API needs the origin secret');
      if (!props.accessLogs) throw new Error('apiEdge: the API edge needs the access-logs bucket');
      this.edge = this.createEdge(cfg, props.originSecret, props.accessLogs);
      this.url = `https://${this.edge.distribution.distributionDomainName}`;
    } else {
      this.url = this.httpApi.apiEndpoint;
    }
  }

  /**
   * CloudFront in front of the API with an AWS WAF rate-based rule per source IP: the per-client limit
   * API Gateway does not have. Nothing is cached; every header but Host reaches the API, with
   * the viewer's IP that a CloudFront Function sets (src/api/edge.ts VIEWER_IP_FUNCTION), and the
   * origin secret's header, without which the functions refuse a request.
   */
  private createEdge(
    cfg: StageConfig,
    originSecret: ISecret,
    accessLogs: IBucket,
  ): { distribution: Distribution; webAcl: CfnWebACL; wafLogs: LogGroup } {
    const webAcl = new CfnWebACL(this, 'EdgeWebAcl', {
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: {
        cloudWatchMetricsEnabled: true,
        metricName: `serverless-bank-${cfg.stage}-api`,
        sampledRequestsEnabled: true,
      },
      rules: [
        {
          name: 'rate-per-ip',
          priority: 0,
          action: { block: {} },
          statement: {
            rateBasedStatement: { limit: cfg.apiEdgeRateLimit, aggregateKeyType: 'IP' },
          },
          visibilityConfig: {
            cloudWatchMetricsEnabled: true,
            metricName: `serverless-bank-${cfg.stage}-rate-per-ip`,
            sampledRequestsEnabled: true,
          },
        },
      ],
    });
    // A CLOUDFRONT-scope web ACL exists in us-east-1 only, and its log group must be in the web ACL's
    // region: both are in this stack, so the stack must be deployed there. CloudFormation refuses
    // the deploy anywhere else before it creates anything (a rule), rather than failing at the ACL.
    new CfnRule(this, 'EdgeInUsEast1', {
      assertions: [
        {
          assert: Fn.conditionEquals(Aws.REGION, 'us-east-1'),
          assertDescription:
            'apiEdge: the CloudFront-scoped WAF web ACL and its log group exist in us-east-1 only; deploy this stack there, or without apiEdge',
        },
      ],
    });
    // The web ACL's logs: what the edge's standard logs lack, which rule matched and why, for the
    // requests it blocked or counted (the rate rule's blocks; a rule in count mode while it is tried).
    // Allowed requests are left out: CloudFront's standard logs and the API's access log hold them
    // already, and WAF logs cost CloudWatch Logs ingestion per request. The name must start with
    // `aws-waf-logs-`. The `authorization` header (a customer's token) and cookies are redacted (the
    // origin secret is added after WAF, toward the origin, so no WAF log holds it). Not KMS-encrypted,
    // as the stack's other log groups (CloudWatch Logs encrypts them at rest). WAF adds the log
    // delivery's resource policy on the log group when the logging configuration is created.
    const wafLogs = new LogGroup(this, 'EdgeWafLogs', {
      logGroupName: `aws-waf-logs-${Aws.STACK_NAME}-api-edge`,
      retention: cfg.logRetention,
      removalPolicy: cfg.removalPolicy,
    });
    new CfnLoggingConfiguration(this, 'EdgeWafLogging', {
      resourceArn: webAcl.attrArn,
      // The log group's ARN without the `:*` its Arn attribute ends with, which WAF refuses.
      logDestinationConfigs: [
        Stack.of(this).formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: wafLogs.logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      redactedFields: [{ singleHeader: { Name: 'authorization' } }, { singleHeader: { Name: 'cookie' } }],
      loggingFilter: {
        DefaultBehavior: 'DROP',
        Filters: [
          {
            Behavior: 'KEEP',
            Requirement: 'MEETS_ANY',
            Conditions: [{ ActionCondition: { Action: 'BLOCK' } }, { ActionCondition: { Action: 'COUNT' } }],
          },
        ],
      },
    });
    const apiHost = Fn.select(2, Fn.split('/', this.httpApi.apiEndpoint));
    // The functions' own security headers (src/api/headers.ts) on every answer the edge sends, with
    // HSTS: API Gateway's own answers (the authorizer's 401, an unknown route's 404, a throttle's 429)
    // carry none of them, nor do CloudFront's. Never over a function's (override off): the values
    // are the same ones.
    const h = API_SECURITY_HEADERS;
    const headers = new ResponseHeadersPolicy(this, 'EdgeHeaders', {
      responseHeadersPolicyName: cloudFrontName(cfg, 'api-headers'),
      comment: 'Serverless Bank API edge: HSTS, nosniff, frame deny, no referrer, no-store, CSP none',
      securityHeadersBehavior: {
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: false,
        },
        contentTypeOptions: { override: false },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: false },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: false },
        contentSecurityPolicy: { contentSecurityPolicy: h['content-security-policy'], override: false },
      },
      customHeadersBehavior: {
        customHeaders: [{ header: 'Cache-Control', value: h['cache-control'], override: false }],
      },
    });
    const distribution = new Distribution(this, 'Edge', {
      comment: `Serverless Bank API edge (${cfg.stage}, ${Aws.REGION})`,
      defaultBehavior: {
        origin: new HttpOrigin(apiHost, {
          protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
          // The proof a request came this way, which every function checks (src/api/edge.ts): a dynamic
          // reference, which CloudFormation resolves at deploy time, so the template holds no value.
          // CloudFront replaces a header of this name that a viewer sends. CloudFormation resolves it
          // again only when the reference changes: a rotation's deploy names the new version
          // (`-c originSecretVersion=`), or CloudFront keeps sending the old value.
          customHeaders: {
            [ORIGIN_HEADER_NAME]: SecretValue.secretsManager(originSecret.secretArn, {
              jsonField: 'current',
              ...(cfg.originSecretVersion ? { versionId: cfg.originSecretVersion } : {}),
            }).unsafeUnwrap(),
          },
        }),
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_ALL,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        responseHeadersPolicy: headers,
        functionAssociations: [
          {
            eventType: FunctionEventType.VIEWER_REQUEST,
            function: new CloudFrontFunction(this, 'ViewerIp', {
              comment: 'The viewer IP in X-Bank-Viewer-Ip, whatever the viewer sent in it',
              runtime: FunctionRuntime.JS_2_0,
              code: FunctionCode.fromInline(VIEWER_IP_FUNCTION),
            }),
          },
        ],
      },
      webAclId: webAcl.attrArn,
      priceClass: PriceClass.PRICE_CLASS_100,
      // The API's own access log sees CloudFront's address, and never a request the WAF blocked: the
      // edge's standard logs hold each viewer's address and every request, blocked ones included.
      enableLogging: true,
      logBucket: accessLogs,
      logFilePrefix: 'api-edge/',
    });
    Validations.of(distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason: `No geo restriction: customers use the bank wherever they travel; every route needs a token but the public ones (${routeList
          .filter((r) => !needsToken(r))
          .map(routeKey)
          .join(', ')}), which the WAF rate rule and their route throttles cover.`,
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The default *.cloudfront.net certificate cannot pin a minimum TLS version; a custom domain with TLSv1.2_2021 is the follow-up.',
      },
    );
    return { distribution, webAcl, wafLogs };
  }
}

/**
 * The web client: a private bucket served only through CloudFront (Origin Access Control, HTTPS only,
 * security headers, SPA fallback), and the deployment that uploads web/dist with a runtime config.json
 * and an index.html whose CSP meta names the API's exact origin (infra/csp.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Aws, Duration, Validations } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  S3OriginAccessControl,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Bucket, type IBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { WEB_PAGE_HEADERS } from '../src/api/headers.ts';
import type { RuntimeConfig } from '../web/src/config.ts';
import { contentSecurityPolicy, withExactConnectSrc } from './csp.ts';
import { privateBucketProps } from './data.ts';
import { acknowledgeBucketDeploymentProvider } from './nag.ts';
import type { StageConfig } from './stage.ts';

/**
 * What the client reads from /config.json at start-up (the client's own type): written at deploy time,
 * never baked into the build.
 */
export type WebRuntimeConfig = RuntimeConfig;

/** What the CDK's BucketDeployment function is granted on CloudFront, on every distribution. */
export const invalidationActions = ['cloudfront:CreateInvalidation', 'cloudfront:GetInvalidation'] as const;

/** The API's host pattern in the stack's region: the CSP header's `connect-src` (see infra/csp.ts). */
export const apiOriginPattern = `https://*.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`;

/**
 * CloudFront policies and origin access controls are global, named once per account: the name carries
 * the stage and the region, so the same stage deploys to a second region (and dev beside prod).
 */
export const cloudFrontName = (cfg: Pick<StageConfig, 'stage'>, what: string): string =>
  `serverless-bank-${cfg.stage}-${what}-${Aws.REGION}`;

export interface WebProps {
  cfg: StageConfig;
  accessLogs: IBucket;
}

export class Web extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  /** `https://<distribution>.cloudfront.net`: the origin the API's CORS allows. */
  readonly origin: string;
  private readonly cfg: StageConfig;

  constructor(scope: Construct, id: string, props: WebProps) {
    super(scope, id);
    const { cfg, accessLogs } = props;
    this.cfg = cfg;

    this.bucket = new Bucket(this, 'Bucket', {
      ...privateBucketProps(cfg),
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'web/',
      // Every deploy overwrites index.html and config.json and prunes the last build's assets: their
      // old versions are kept 30 days (a rollback's window), then expire, instead of piling up.
      lifecycleRules: [
        {
          id: 'tidy',
          noncurrentVersionExpiration: Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });

    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      responseHeadersPolicyName: cloudFrontName(cfg, 'web-headers'),
      comment: 'Serverless Bank web client: HSTS, CSP, nosniff, frame deny, COOP, Permissions-Policy',
      securityHeadersBehavior: {
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          preload: true,
          override: true,
        },
        contentSecurityPolicy: {
          // With the API edge on, the API is reached through its own *.cloudfront.net distribution.
          contentSecurityPolicy: contentSecurityPolicy(
            cfg.apiEdge ? `${apiOriginPattern} https://*.cloudfront.net` : apiOriginPattern,
          ),
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
      customHeadersBehavior: {
        customHeaders: Object.entries(WEB_PAGE_HEADERS).map(([header, value]) => ({
          header,
          value,
          override: true,
        })),
      },
    });

    this.distribution = new Distribution(this, 'Distribution', {
      comment: `Serverless Bank web client (${cfg.stage})`,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket, {
          originAccessControl: new S3OriginAccessControl(this, 'OriginAccessControl', {
            originAccessControlName: cloudFrontName(cfg, 'web-oac'),
            description: `Serverless Bank web bucket (${cfg.stage})`,
          }),
        }),
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
      },
      // The SPA fallback: deep links (/accounts/123) are client routes. Through OAC a missing key is a 403.
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: 200,
        responsePagePath: '/index.html',
        ttl: Duration.seconds(0),
      })),
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: accessLogs,
      logFilePrefix: 'cloudfront/',
    });
    this.origin = `https://${this.distribution.distributionDomainName}`;

    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'No geo restriction: the bank serves customers wherever they travel; access is controlled by sign-in.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'The distribution serves only static files; the API has its own throttling and authorizer. AWS WAF (us-east-1, per-request cost) is a follow-up.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The default *.cloudfront.net certificate cannot pin a minimum TLS version; a custom domain with TLSv1.2_2021 is the follow-up.',
      },
    );
  }

  /**
   * Uploads the built client. Vite's content-hashed files (assets/) are immutable; everything else
   * (index.html, config.json, favicon...) is revalidated on every load, so a deploy takes effect on
   * the next page load.
   */
  deployContent(dist: string, config: WebRuntimeConfig): void {
    // Both deployments share the CDK's singleton function, and so this log group.
    const logGroup = new LogGroup(this, 'DeploymentLogs', {
      retention: this.cfg.logRetention,
      removalPolicy: this.cfg.removalPolicy,
    });
    const assets = new BucketDeployment(this, 'Assets', {
      logGroup,
      sources: [Source.asset(dist)],
      destinationBucket: this.bucket,
      exclude: ['*'],
      include: ['assets/*'],
      // Old hashed files stay: a browser still on the previous index.html may ask for them.
      prune: false,
      cacheControl: [CacheControl.fromString('public, max-age=31536000, immutable')],
    });
    const entry = new BucketDeployment(this, 'Entry', {
      logGroup,
      sources: [
        Source.asset(dist, { exclude: ['index.html'] }),
        Source.jsonData('config.json', config),
        // index.html with the API's exact origin in a CSP meta (infra/csp.ts), written at deploy time.
        Source.data(
          'index.html',
          withExactConnectSrc(readFileSync(join(dist, 'index.html'), 'utf8'), config.apiBaseUrl),
        ),
      ],
      destinationBucket: this.bucket,
      exclude: ['assets/*', '.vite/*'], // .vite/manifest.json is for npm run size only
      prune: false,
      cacheControl: [CacheControl.noCache()],
      distribution: this.distribution,
      distributionPaths: ['/*'],
    });
    // index.html must never reference assets that are not uploaded yet.
    entry.node.addDependency(assets);
    // aws-cdk-lib grants the deployment function invalidation on every distribution (`*`), though
    // CloudFront scopes it by distribution: it may invalidate this one alone, not another stage's or
    // another application's in the account.
    entry.handlerRole.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.DENY,
        actions: [...invalidationActions],
        notResources: [this.distribution.distributionArn],
      }),
    );
    acknowledgeBucketDeploymentProvider(this, this.bucket);
  }
}

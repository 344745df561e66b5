/**
 * A closed month's statement (`statements/<accountId>/<period>.v2.<format>`, src/store/statement-links.ts)
 * is written once and "kept (the retention the bank owes)" (README, infra/data.ts). Its bucket is
 * versioned, so an overwrite or a delete leaves the issued statement as a noncurrent version: no
 * lifecycle rule that applies to `statements/` may expire those, or the only copy of a statement a
 * customer was given is deleted for good some days after it was replaced or deleted.
 */
import { describe, expect, it } from 'vitest';
import { synthProd } from './prod-synth.ts';

interface LifecycleRule {
  Id?: string;
  Prefix?: string;
  Filter?: { Prefix?: string };
  ExpirationInDays?: number;
  NoncurrentVersionExpiration?: unknown;
  NoncurrentVersionExpirationInDays?: number;
}

describe('statements are never deleted by lifecycle', () => {
  it('no lifecycle rule covering statements/ expires statements or their noncurrent versions (prod)', () => {
    const { built, template } = synthProd();
    const id = built.stack.getLogicalId(built.stack.data.statements.node.defaultChild as never);
    const bucket = template.findResources('AWS::S3::Bucket')[id] as {
      Properties: { LifecycleConfiguration: { Rules: LifecycleRule[] } };
    };
    const key = 'statements/acc-1/2026-11.v2.pdf';
    const covering = bucket.Properties.LifecycleConfiguration.Rules.filter((r) =>
      key.startsWith(r.Prefix ?? r.Filter?.Prefix ?? ''),
    );
    const deleting = covering
      .filter(
        (r) =>
          r.ExpirationInDays !== undefined ||
          r.NoncurrentVersionExpiration !== undefined ||
          r.NoncurrentVersionExpirationInDays !== undefined,
      )
      .map((r) => ({ Id: r.Id, NoncurrentVersionExpiration: r.NoncurrentVersionExpiration }));
    expect(deleting).toEqual([]);
  });
});

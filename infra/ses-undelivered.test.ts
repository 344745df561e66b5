/**
 * What SES could not deliver is seen. Until 2026-12-07 an email SES accepted that then bounced (a
 * mailbox gone, full, a mistyped domain) or was marked as spam was lost silently: the notifier marks it
 * `sent` once SendEmail answers (src/store/email-marks.ts), and the stack gave SES nowhere to report
 * what happened to it, so nobody learnt that a customer's "your scheduled transfer was not paid" never
 * arrived, and once SES's suppression list held the address every later email to it was dropped
 * without an error the notifier could see (a review found it). Now the identity's default
 * configuration set counts each bounce, complaint and rejection in CloudWatch, and the first two are
 * alarmed on.
 */
import { describe, expect, it } from 'vitest';
import { synthProd } from './prod-synth.ts';

type Json = Record<string, unknown>;

describe('SES bounces and complaints', () => {
  it('the emails SES accepted and could not deliver are reported somewhere (a configuration set with a bounce and complaint destination, used for the stage’s identity)', () => {
    const { template } = synthProd();
    template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'bank.example.com' });
    const destinations = Object.values(
      template.findResources('AWS::SES::ConfigurationSetEventDestination'),
    ) as { Properties: { EventDestination?: { Enabled?: boolean; MatchingEventTypes?: string[] } } }[];
    const reported = destinations.flatMap((d) =>
      d.Properties.EventDestination?.Enabled === false
        ? []
        : (d.Properties.EventDestination?.MatchingEventTypes ?? []).map((t) => t.toUpperCase()),
    );
    expect(reported, 'no SES event destination reports bounces').toContain('BOUNCE');
    expect(reported, 'no SES event destination reports complaints').toContain('COMPLAINT');
    // And the identity the notifier sends from uses that configuration set by default.
    const identity = Object.values(template.findResources('AWS::SES::EmailIdentity'))[0] as {
      Properties: { ConfigurationSetAttributes?: { ConfigurationSetName?: unknown } };
    };
    const setName = identity.Properties.ConfigurationSetAttributes?.ConfigurationSetName;
    expect(setName).toBeDefined();
    // Delivered over TLS only, and counted by that configuration set, where the alarms look.
    const sets = template.findResources('AWS::SES::ConfigurationSet');
    expect(Object.values(sets).map((c) => (c as { Properties: Json }).Properties.DeliveryOptions)).toEqual([
      { TlsPolicy: 'REQUIRE' },
    ]);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
      (a) => (a as { Properties: Json }).Properties,
    );
    for (const metric of ['Bounce', 'Complaint']) {
      const alarm = alarms.find((a) => a.Namespace === 'AWS/SES' && a.MetricName === metric);
      expect(alarm, `no alarm on SES ${metric}`).toMatchObject({
        Threshold: 1,
        Dimensions: [{ Name: 'ses:configuration-set', Value: setName }],
        AlarmActions: [expect.anything()],
      });
    }
  });
});

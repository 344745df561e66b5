/**
 * The email notifier: a stream function that sees each newly stored event (its filter: INSERT of an
 * `event` item), decides whether its owner is emailed (src/domain/notifications.ts, with the owner's
 * preferences), and sends through Amazon SES v2. Offline the same code sends to aws-ses-v2-local
 * (AWS_ENDPOINT_URL_SESV2). An event's email is marked before it is sent, so a redelivered record sends
 * nothing twice; a failed send gives the mark back and the record is retried.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { logger } from '../api/logger.ts';
import { config } from '../config.ts';
import type { BankEvent } from '../domain/events.ts';
import { emailFor } from '../domain/notifications.ts';
import { users } from './context.ts';
import { webhooks } from './events-context.ts';
import { imageOf } from './stream.ts';

const processor = new BatchProcessor(EventType.DynamoDBStreams);
let ses: SESv2Client | undefined;

export const processRecord = async (r: DynamoDBRecord): Promise<boolean> => {
  const item = imageOf(r.dynamodb?.NewImage);
  if (r.eventName !== 'INSERT' || item?.entity !== 'event') return false;
  const owner = item.ownerId as string;
  const event: BankEvent = {
    id: item.id as string,
    type: item.type as BankEvent['type'],
    createdAt: item.createdAt as string,
    data: item.data as Record<string, unknown>,
  };
  const settings = config();
  const prefs = await webhooks().preferences(owner);
  const email = emailFor(event, prefs.email, { withdrawalOver: settings.notifyWithdrawalOver });
  if (!email) return false;
  const profile = await users().get(owner);
  if (!profile?.email) return false;
  if (!(await webhooks().claimEmail(event.id, new Date()))) return false;
  try {
    ses ??= new SESv2Client({});
    await ses.send(
      new SendEmailCommand({
        FromEmailAddress: settings.emailFrom,
        Destination: { ToAddresses: [profile.email] },
        Content: {
          Simple: {
            Subject: { Data: email.subject, Charset: 'UTF-8' },
            Body: {
              Text: { Data: email.text, Charset: 'UTF-8' },
              Html: { Data: email.html, Charset: 'UTF-8' },
            },
          },
        },
      }),
    );
  } catch (e) {
    await webhooks().releaseEmail(event.id);
    throw e;
  }
  logger.info('email sent', { eventId: event.id, eventType: event.type });
  return true;
};

export const handler = async (event: DynamoDBStreamEvent, context: Context) =>
  processPartialResponse(event, processRecord, processor, { context, processInParallel: false });

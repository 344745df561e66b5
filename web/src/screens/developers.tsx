/**
 * Webhooks for developers: register an endpoint (its signing secret is shown once, right after), list
 * and delete endpoints, and per endpoint its deliveries with their attempts, each of which can be sent
 * again. Loaded lazily.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { type Delivery, settingsApi, type Webhook, type WebhookBody, type WebhookCreated } from '../api.ts';
import { explain } from '../errors.ts';
import { UnknownOutcome, useHeldIntent } from '../held-intent.tsx';
import { useMore } from '../more.ts';
import {
  Empty,
  Field,
  FormError,
  Link,
  LoadState,
  Outcome,
  Page,
  ShowMore,
  SubmitButton,
  useApp,
  useFocusOnceRead,
  useForm,
  useLoad,
} from '../ui.tsx';
import { SettingsNav } from './settings-nav.tsx';

type EventType = Webhook['events'][number];

/** Every event type, in words (the type checker keeps this in step with the API's list). */
export const EVENT_LABEL: Record<EventType, string> = {
  'transaction.pending': 'A transfer is pending',
  'transaction.posted': 'A transaction completes',
  'transaction.voided': 'A pending transfer is cancelled',
  'transaction.expired': 'A pending transfer expires',
  'transaction.refunded': 'A transaction is refunded',
  'transaction.unclaimed': 'A returned transfer is held for you as unclaimed funds',
  'account.opened': 'An account is opened',
  'account.closed': 'An account is closed',
  'account.frozen': 'An account is frozen',
  'account.unfrozen': 'An account is unfrozen',
  'schedule.run_failed': 'A scheduled transfer could not be paid',
};
const EVENT_TYPES = Object.keys(EVENT_LABEL) as EventType[];

export const when = (iso: string): string =>
  new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(iso));

export const Developers = () => {
  const { api } = useApp();
  const list = useLoad(() => settingsApi(api).webhooks(), []);
  const [created, setCreated] = useState<WebhookCreated | undefined>();
  /** The endpoint just deleted, said over the list as read again, and focused: its card took the focused button. */
  const [deleted, setDeleted] = useState<string | undefined>();
  const focusOnceRead = useFocusOnceRead(list);
  return (
    <Page title="Developers">
      <SettingsNav current="/settings/developers" />
      <p>
        A webhook sends your server an HTTPS POST when something happens in your accounts. Each request is
        signed with the endpoint&rsquo;s secret in the <code>Bank-Signature</code> header.
      </p>
      {created ? (
        <SecretOnce
          webhook={created}
          onDone={() => {
            setCreated(undefined);
            // The secret's box took the pressed button with it: focus goes to the list the new one is in.
            requestAnimationFrame(() => document.getElementById('webhooks-title')?.focus());
          }}
        />
      ) : null}
      <section aria-labelledby="webhooks-title">
        <h2 id="webhooks-title" tabIndex={-1}>
          Your webhooks
        </h2>
        {deleted && list.state === 'ok' ? (
          <Outcome id="webhook-deleted">
            The webhook to <span class="secret">{deleted}</span> is deleted.
          </Outcome>
        ) : null}
        {list.state === 'ok' ? (
          <WebhookList
            items={list.data.items}
            onDeleted={(w) => {
              setDeleted(w.url);
              focusOnceRead('webhook-deleted');
              list.reload();
            }}
          />
        ) : (
          <LoadState load={list} what="your webhooks" />
        )}
      </section>
      {created ? null : (
        <NewWebhook
          onCreated={(w) => {
            setCreated(w);
            setDeleted(undefined);
            list.reload();
          }}
        />
      )}
    </Page>
  );
};

/** The secret, shown once: the API never returns it again. */
const SecretOnce = ({ webhook, onDone }: { webhook: WebhookCreated; onDone(): void }) => {
  const [copied, setCopied] = useState<'yes' | 'no' | undefined>();
  const ref = useRef<HTMLHeadingElement>(null);
  // Focus the news: the form the customer was in has gone.
  useEffect(() => ref.current?.focus(), []);
  return (
    <section class="notice" aria-labelledby="secret-title" data-testid="webhook-secret">
      <h2 id="secret-title" tabIndex={-1} ref={ref}>
        Copy your signing secret now
      </h2>
      <p>
        This is the only time we show the secret for <span class="secret">{webhook.url}</span>. Store it where
        your server can read it; if you lose it, delete the webhook and add it again.
      </p>
      <code class="secret secret-box" data-testid="secret-value">
        {webhook.secret}
      </code>
      <div class="actions">
        <button
          type="button"
          onClick={() =>
            navigator.clipboard?.writeText(webhook.secret).then(
              () => setCopied('yes'),
              () => setCopied('no'),
            ) ?? setCopied('no')
          }
        >
          Copy secret
        </button>
        <button type="button" class="primary" onClick={onDone}>
          I have stored the secret
        </button>
      </div>
      <p role="status">
        {copied === 'yes'
          ? 'Copied.'
          : copied === 'no'
            ? 'Could not copy: select the secret and copy it.'
            : ''}
      </p>
    </section>
  );
};

const WebhookList = ({ items, onDeleted }: { items: Webhook[]; onDeleted(w: Webhook): void }) =>
  items.length === 0 ? (
    <Empty>
      <p>No webhooks yet.</p>
    </Empty>
  ) : (
    <ul class="cards" data-testid="webhooks">
      {items.map((w) => (
        <WebhookCard key={w.id} webhook={w} onDeleted={() => onDeleted(w)} />
      ))}
    </ul>
  );

const WebhookCard = ({ webhook: w, onDeleted }: { webhook: Webhook; onDeleted(): void }) => {
  const { api } = useApp();
  const [confirming, setConfirming] = useState(false);
  // Asking, and taking the question back, each swap the buttons, the pressed one with them: focus goes
  // to the one that deletes nothing ("Keep it" while asked, "Delete" after), never to "Yes, delete".
  const ask = (yes: boolean) => {
    setConfirming(yes);
    requestAnimationFrame(() => document.getElementById(`${yes ? 'keep' : 'delete'}-${w.id}`)?.focus());
  };
  const form = useForm({}, `delete-${w.id}-error`);
  const remove = form.submit(
    () => undefined,
    async () => {
      await settingsApi(api).deleteWebhook(w.id);
      onDeleted();
    },
  );
  return (
    <li>
      <h3 class="secret">{w.url}</h3>
      <p class="muted">
        {w.events.map((e) => EVENT_LABEL[e]).join(' · ')}
        <br />
        Added {when(w.createdAt)}
      </p>
      <FormError {...form.error} />
      <div class="actions">
        <Link to={`/settings/developers/${w.id}`}>
          Deliveries<span class="visually-hidden"> to {w.url}</span>
        </Link>
        {confirming ? (
          <>
            <SubmitButton type="button" class="danger" busy={form.busy} busyText="Deleting…" onClick={remove}>
              Yes, delete<span class="visually-hidden"> the webhook to {w.url}</span>
            </SubmitButton>
            <button type="button" id={`keep-${w.id}`} onClick={() => ask(false)}>
              Keep it
            </button>
          </>
        ) : (
          <button type="button" id={`delete-${w.id}`} onClick={() => ask(true)}>
            Delete<span class="visually-hidden"> the webhook to {w.url}</span>
          </button>
        )}
      </div>
    </li>
  );
};

const NewWebhook = ({ onCreated }: { onCreated(w: WebhookCreated): void }) => {
  const { api } = useApp();
  const form = useForm({ url: '' }, 'webhook-form-error');
  const [events, setEvents] = useState<EventType[]>(['transaction.posted']);
  // Registered once per intent: a lost answer is asked again with the same Idempotency-Key, after a
  // reload too, and its answer still carries the secret (a second endpoint would have one nobody has).
  const held = useHeldIntent<WebhookBody, WebhookCreated>(
    'webhook',
    (body, key) => settingsApi(api).createWebhook(body, key),
    (w) => {
      form.reset();
      onCreated(w);
    },
    (e) => form.show({ fields: {}, message: `The webhook was not added. ${explain(e).message ?? ''}` }),
    () => {
      // Given up (it may have been added): an empty form, not the address one more click would add again.
      form.reset();
      form.clear();
      setEvents(['transaction.posted']);
    },
  );
  const submit = form.submit(
    () => ({
      // The format only: whether the address may receive webhooks is the API's call (offline it also
      // takes http://127.0.0.1:<port>).
      url: /^https?:\/\/[^\s/]+\S*$/i.test(form.values.url.trim())
        ? undefined
        : 'Enter the address of your endpoint, like https://example.com/bank/webhooks.',
      events: events.length ? undefined : 'Choose at least one event.',
    }),
    async () => {
      // Success shows the secret (the intent's onDone); a refusal is thrown for the form to show.
      await held.submit({ url: form.values.url.trim(), events });
    },
  );
  // A registration whose answer is lost comes first: it is asked again, never made twice.
  if (held.unknown) {
    return (
      <section aria-labelledby="new-webhook-title">
        <h2 id="new-webhook-title">Add a webhook</h2>
        <UnknownOutcome state={held} forgetLabel="Leave it and add another" then="f-url">
          <p>
            A webhook to <span class="secret">{held.unknown.payload.url}</span>.
          </p>
        </UnknownOutcome>
      </section>
    );
  }
  return (
    <section aria-labelledby="new-webhook-title">
      <h2 id="new-webhook-title">Add a webhook</h2>
      <form onSubmit={submit} noValidate>
        <Field
          label="Endpoint URL"
          type="text"
          inputMode="text"
          hint="An https address on the public internet. You can have up to 5 webhooks."
          {...form.bind('url')}
        />
        <fieldset aria-describedby={form.fields.events ? 'events-error' : undefined}>
          <legend>Events to send</legend>
          {EVENT_TYPES.map((t, i) => (
            <label class="choice" key={t}>
              <input
                type="checkbox"
                id={i === 0 ? 'f-events' : `ev-${t}`}
                name="events"
                value={t}
                checked={events.includes(t)}
                onChange={(e) =>
                  setEvents(
                    e.currentTarget.checked
                      ? EVENT_TYPES.filter((x) => x === t || events.includes(x))
                      : events.filter((x) => x !== t),
                  )
                }
              />
              {EVENT_LABEL[t]} <span class="muted">({t})</span>
            </label>
          ))}
          {form.fields.events ? (
            <span class="field-error" id="events-error">
              {form.fields.events}
            </span>
          ) : null}
        </fieldset>
        <FormError {...form.error} />
        <div class="actions">
          <SubmitButton busy={form.busy} busyText="Adding…">
            Add webhook
          </SubmitButton>
        </div>
      </form>
    </section>
  );
};

// ---------- one endpoint's deliveries ----------

const STATUS_TEXT: Record<Delivery['status'], string> = {
  pending: 'Trying again soon',
  delivered: 'Delivered',
  dead: 'Failed: no more automatic attempts',
};

const lastAttempt = (d: Delivery): string => {
  const a = d.attempts.at(-1);
  if (!a) return 'Not sent yet';
  const result = a.statusCode ? `answered ${a.statusCode}` : a.error ? `failed: ${a.error}` : 'sent';
  return `${when(a.at)}, ${result}${a.manual ? ' (sent by you)' : ''}`;
};

export const WebhookDetail = ({ id }: { id: string }) => {
  const { api } = useApp();
  const load = useLoad(
    () => Promise.all([settingsApi(api).webhook(id), settingsApi(api).deliveries(id)]),
    [id],
  );
  const more = useMore<Delivery>((cursor) => settingsApi(api).deliveries(id, cursor));
  const [replaced, setReplaced] = useState<Record<string, Delivery>>({});

  if (load.state !== 'ok')
    return (
      <Page title="Webhook deliveries">
        <SettingsNav current="/settings/developers" />
        <LoadState load={load} what="the deliveries" />
      </Page>
    );
  const [webhook, first] = load.data;
  const shown = more.after(first);
  const items = shown.items.map((d) => replaced[d.id] ?? d);
  const { cursor } = shown;

  return (
    <Page title="Webhook deliveries">
      <SettingsNav current="/settings/developers" />
      <p>
        To <span class="secret">{webhook.url}</span>, newest first.{' '}
        <button type="button" class="link-button" onClick={load.reload}>
          Refresh
        </button>
      </p>
      {items.length === 0 ? (
        <Empty>
          <p>Nothing sent yet. Deliveries appear here when one of the chosen events happens.</p>
        </Empty>
      ) : (
        <ul class="cards" data-testid="deliveries" ref={more.listRef}>
          {items.map((d) => (
            <DeliveryCard
              key={d.id}
              webhookId={id}
              delivery={d}
              onRetried={(next) => setReplaced((r) => ({ ...r, [d.id]: next }))}
            />
          ))}
        </ul>
      )}
      <ShowMore more={more} cursor={cursor}>
        Show older deliveries
      </ShowMore>
      <p>
        <Link to="/settings/developers">All webhooks</Link>
      </p>
    </Page>
  );
};

const DeliveryCard = ({
  webhookId,
  delivery: d,
  onRetried,
}: {
  webhookId: string;
  delivery: Delivery;
  onRetried(d: Delivery): void;
}) => {
  const { api } = useApp();
  const form = useForm({}, `retry-${d.id}-error`);
  const retry = form.submit(
    () => undefined,
    async () => onRetried(await settingsApi(api).retryDelivery(webhookId, d.id)),
  );
  return (
    <li data-status={d.status} data-testid="delivery">
      <h3>
        {EVENT_LABEL[d.eventType]} <span class="muted">({d.eventType})</span>
      </h3>
      <dl class="summary">
        <dt>Status</dt>
        <dd data-testid="delivery-status">{STATUS_TEXT[d.status]}</dd>
        <dt>Attempts</dt>
        <dd>{d.attempts.length}</dd>
        <dt>Last attempt</dt>
        <dd>{lastAttempt(d)}</dd>
        {d.nextAttemptAt ? (
          <>
            <dt>Next attempt</dt>
            <dd>{when(d.nextAttemptAt)}</dd>
          </>
        ) : null}
        <dt>Event</dt>
        <dd class="secret">{d.eventId}</dd>
      </dl>
      <FormError {...form.error} />
      <SubmitButton type="button" class="" busy={form.busy} busyText="Sending…" onClick={retry}>
        {d.status === 'delivered' ? 'Send again' : 'Retry now'}
        <span class="visually-hidden"> {d.eventId}</span>
      </SubmitButton>
    </li>
  );
};

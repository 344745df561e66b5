/**
 * An account's monthly statements (the current month to date first), each with its figures and a
 * download as PDF or CSV: the API answers a presigned link (5 minutes), which the browser then opens
 * as a download. Loaded lazily.
 */
import { useState } from 'preact/hooks';
import { type StatementSummary, settingsApi } from '../api.ts';
import { safeDownloadUrl } from '../download-link.ts';
import { explain } from '../errors.ts';
import { useMore } from '../more.ts';
import {
  accountName,
  Empty,
  FormError,
  Link,
  LoadState,
  Money,
  Page,
  ShowMore,
  SubmitButton,
  useApp,
  useLoad,
} from '../ui.tsx';

/** `2027-01` -> "January 2027" in the browser's language (the period is a UTC month). */
export const periodName = (period: string): string => {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    Date.UTC(y, m - 1, 1),
  );
};

/** Opens a download link; the test seam for where the browser goes. */
export const openDownload = (url: string): void => location.assign(url);

export const Statements = ({ id }: { id: string }) => {
  const { api } = useApp();
  const load = useLoad(() => Promise.all([api.account(id), settingsApi(api).statements(id)]), [id]);
  // Older months a page at a time (the API answers 12 months a page, newest first).
  const more = useMore<StatementSummary>((cursor) => settingsApi(api).statements(id, cursor));
  if (load.state !== 'ok')
    return (
      <Page title="Statements">
        <LoadState load={load} what="the statements" />
      </Page>
    );
  const [account, first] = load.data;
  const { items, cursor } = more.after(first);
  const sorted = [...items].sort((a, b) => b.period.localeCompare(a.period));
  return (
    <Page title={`Statements for ${accountName(account)}`}>
      <p>
        Account {account.number}. Each month&rsquo;s statement lists every transaction and the balances at its
        start and end. Download it as a PDF to keep, or as CSV for a spreadsheet.
      </p>
      {sorted.length === 0 ? (
        <Empty>
          <p>No statements yet.</p>
        </Empty>
      ) : (
        <ol class="cards statement-list" data-testid="statements" ref={more.listRef}>
          {sorted.map((st) => (
            <StatementCard key={st.period} accountId={id} statement={st} />
          ))}
        </ol>
      )}
      <ShowMore more={more} cursor={cursor}>
        Show older statements
      </ShowMore>
      <p>
        <Link to={`/accounts/${id}`}>Back to the account</Link>
      </p>
    </Page>
  );
};

const StatementCard = ({ accountId, statement: st }: { accountId: string; statement: StatementSummary }) => {
  const { api } = useApp();
  const [busy, setBusy] = useState<'pdf' | 'csv' | undefined>();
  const [error, setError] = useState<string | undefined>();
  const name = periodName(st.period);
  const download = async (format: 'pdf' | 'csv') => {
    if (busy) return;
    setBusy(format);
    setError(undefined);
    try {
      const link = await settingsApi(api).statementLink(accountId, st.period, format);
      // Only a link the bank would hand out is followed; any other is the general error.
      const url = safeDownloadUrl(link?.url);
      if (url === undefined) throw new Error('not a download link');
      openDownload(url);
    } catch (e) {
      setError(explain(e).message);
    } finally {
      setBusy(undefined);
    }
  };
  const c = st.currency;
  return (
    <li data-period={st.period}>
      <h2 class="h3">
        {name}
        {st.toDate ? <span class="badge">So far this month</span> : null}
      </h2>
      <dl class="figures">
        <div>
          <dt>Opening balance</dt>
          <dd>
            <Money minor={st.openingBalance} currency={c} />
          </dd>
        </div>
        <div>
          <dt>Money in</dt>
          <dd>
            <Money minor={st.totalIn} currency={c} />
          </dd>
        </div>
        <div>
          <dt>Money out</dt>
          <dd>
            <Money minor={st.totalOut} currency={c} />
          </dd>
        </div>
        <div>
          <dt>Closing balance</dt>
          <dd data-testid="closing">
            <Money minor={st.closingBalance} currency={c} />
          </dd>
        </div>
        <div>
          <dt>Transactions</dt>
          <dd>{st.count}</dd>
        </div>
      </dl>
      <FormError message={error} />
      <div class="actions">
        <SubmitButton
          type="button"
          class=""
          busy={busy === 'pdf'}
          busyText="Preparing…"
          onClick={() => download('pdf')}
        >
          Download PDF<span class="visually-hidden"> for {name}</span>
        </SubmitButton>
        <SubmitButton
          type="button"
          class=""
          busy={busy === 'csv'}
          busyText="Preparing…"
          onClick={() => download('csv')}
        >
          Download CSV<span class="visually-hidden"> for {name}</span>
        </SubmitButton>
      </div>
    </li>
  );
};

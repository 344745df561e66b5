/**
 * The customer's own security activity, newest first (see ../activity.ts for the route and its
 * adapter). Loaded lazily.
 */
import { type ActivityItem, activityPage, describeAction, describeOutcome, isWorrying } from '../activity.ts';
import { useMore } from '../more.ts';
import { Empty, Link, LoadState, Page, ShowMore, useApp, useLoad } from '../ui.tsx';
import { when } from './developers.tsx';
import { SettingsNav } from './settings-nav.tsx';

export const Activity = () => {
  const { api } = useApp();
  const load = useLoad(() => activityPage(api), []);
  const more = useMore<ActivityItem>((cursor) => activityPage(api, cursor));

  if (load.state !== 'ok')
    return (
      <Page title="Security activity">
        <SettingsNav current="/settings/activity" />
        <LoadState load={load} what="your security activity" />
      </Page>
    );
  const { items, cursor } = more.after(load.data);
  return (
    <Page title="Security activity">
      <SettingsNav current="/settings/activity" />
      <p>
        Logins, failed attempts and changes to your password and two-step verification, newest first. See
        something you did not do? <Link to="/security">Change your password and sign out everywhere</Link>.
      </p>
      {items.length === 0 ? (
        <Empty>
          <p>No activity yet.</p>
        </Empty>
      ) : (
        <ol class="cards" data-testid="activity" ref={more.listRef}>
          {items.map((i) => (
            <li key={i.id} data-action={i.action}>
              <h2 class="h3">
                {describeAction(i.action)}
                {isWorrying(i) ? <span class="badge">Check this</span> : null}
              </h2>
              <p class="muted">
                <time dateTime={i.at}>{when(i.at)}</time> · {describeOutcome(i.outcome)}
                {i.sourceIp ? ` · from ${i.sourceIp}` : ''}
              </p>
            </li>
          ))}
        </ol>
      )}
      <ShowMore more={more} cursor={cursor}>
        Show older activity
      </ShowMore>
    </Page>
  );
};

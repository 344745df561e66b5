/** The settings pages' own navigation: one list of links, the current page marked for assistive technology. */
import { Link } from '../ui.tsx';

const PAGES = [
  { to: '/settings', label: 'Notifications' },
  { to: '/security', label: 'Security' },
  { to: '/settings/activity', label: 'Security activity' },
  { to: '/settings/developers', label: 'Developers' },
] as const;

export type SettingsPage = (typeof PAGES)[number]['to'];

export const SettingsNav = ({ current }: { current: SettingsPage }) => (
  <nav aria-label="Settings">
    <ul class="sub-nav">
      {PAGES.map((p) => (
        <li key={p.to}>
          <Link to={p.to} current={p.to === current}>
            {p.label}
          </Link>
        </li>
      ))}
    </ul>
  </nav>
);

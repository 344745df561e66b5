/**
 * The back office, loaded on demand: its screens are a separate chunk (a dynamic import), so a
 * customer's first screen does not carry them.
 */
import { useEffect, useState } from 'preact/hooks';
import { FormError, Loading, Page } from '../ui.tsx';

type AdminModule = typeof import('../screens/admin/index.tsx');

export const AdminLazy = ({ pathname }: { pathname: string }) => {
  const [mod, setMod] = useState<AdminModule | undefined>();
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    import('../screens/admin/index.tsx').then(setMod, () => setFailed(true));
  }, []);
  // The loaded screen has its own heading: give it the focus the router gave this one.
  useEffect(() => {
    if (!mod) return;
    const h1 = document.getElementById('page-title');
    if (h1) {
      document.title = `${h1.textContent} – Serverless Bank`;
      h1.focus();
    }
  }, [mod]);
  if (mod) return <mod.AdminView pathname={pathname} />;
  return (
    <Page title="Back office">
      {failed ? (
        <FormError message="The back office could not be loaded. Reload the page to try again." />
      ) : (
        <Loading>Loading the back office…</Loading>
      )}
    </Page>
  );
};

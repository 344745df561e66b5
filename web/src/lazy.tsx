/**
 * Screens loaded on demand: their code (and their libraries, such as the QR encoder) stays out of the
 * first download and comes as its own chunk the first time the screen shows. Until it arrives the
 * screen shows its title and "Loading…"; if it cannot arrive (offline, a deploy replaced the chunk)
 * it says so with a way to try again, still under an h1 inside the page's main.
 */
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { FormError, Loading, Page } from './ui.tsx';

export const lazyScreen = <P extends object>(
  title: string,
  load: () => Promise<ComponentType<P>>,
): ComponentType<P> => {
  let loaded: ComponentType<P> | undefined;
  let pending: Promise<ComponentType<P>> | undefined;
  const get = () => {
    pending ??= load().then(
      (c) => {
        loaded = c;
        return c;
      },
      (e: unknown) => {
        pending = undefined;
        throw e;
      },
    );
    return pending;
  };
  const Lazy = (props: P) => {
    const [screen, setScreen] = useState<{ C: ComponentType<P> } | undefined>(loaded && { C: loaded });
    const [failed, setFailed] = useState(false);
    const [attempt, setAttempt] = useState(0);
    useEffect(() => {
      if (screen) return;
      let live = true;
      get().then(
        (C) => live && setScreen({ C }),
        () => live && setFailed(true),
      );
      return () => {
        live = false;
      };
    }, [attempt]);
    if (screen) return <screen.C {...props} />;
    return (
      <Page title={title}>
        {failed ? (
          <div>
            <FormError message="This page could not load. Check your connection and try again." />
            <button
              type="button"
              onClick={() => {
                setFailed(false);
                setAttempt((n) => n + 1);
              }}
            >
              Try again
            </button>
          </div>
        ) : (
          <Loading />
        )}
      </Page>
    );
  };
  return Lazy;
};

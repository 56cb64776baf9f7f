import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { currentSession, signOut, whenSignedOut, type Session } from './api.ts';
import { Layout } from './components/layout.tsx';
import { AdminOnly, Failed, Loading } from './components/states.tsx';
import { Companies } from './pages/companies.tsx';
import { Events } from './pages/events.tsx';
import { Media } from './pages/media.tsx';
import { Overview } from './pages/overview.tsx';
import { Sessions } from './pages/sessions.tsx';
import { Settings } from './pages/settings/settings.tsx';
import { EndpointPage } from './pages/webhooks/endpoint.tsx';
import { Webhooks } from './pages/webhooks/webhooks.tsx';
import { SignIn } from './pages/sign-in.tsx';
import { navigate, useLocation, type Location } from './url-state.ts';
import './styles.css';

function Page({ loc, session }: { loc: Location; session: Session }) {
  if (loc.path === '/events') return <Events loc={loc} />;
  if (loc.path === '/sessions') return <Sessions loc={loc} />;
  if (loc.path === '/companies') return <Companies loc={loc} />;
  if (loc.path === '/media') return <Media loc={loc} />;
  if (loc.path.startsWith('/webhooks') && session.role !== 'admin')
    return <AdminOnly title="Webhooks" role={session.role} />;
  if (loc.path === '/webhooks') return <Webhooks loc={loc} />;
  const endpoint = /^\/webhooks\/([^/]+)$/.exec(loc.path);
  if (endpoint) return <EndpointPage loc={loc} id={decodeURIComponent(endpoint[1]!)} />;
  if (loc.path.startsWith('/settings')) return <Settings loc={loc} session={session} />;
  return <Overview loc={loc} />;
}

function App() {
  const loc = useLocation();
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    whenSignedOut(() => setSession(null));
    currentSession().then(setSession, setError);
  }, []);
  useEffect(() => {
    const page =
      loc.path === '/' ? 'Overview' : (loc.path.split('/')[1] ?? '').replace(/^\w/, (c) => c.toUpperCase());
    document.title = session ? `${page} · usagehub` : 'Sign in · usagehub';
  }, [loc.path, session]);
  if (error) return <Failed error={error} />;
  if (session === undefined) return <Loading what="usagehub" />;
  if (session === null) {
    return (
      <SignIn
        onSignedIn={(s) => {
          setSession(s);
          if (loc.path === '/sign-in') navigate('/');
        }}
      />
    );
  }
  return (
    <Layout
      loc={loc}
      session={session}
      onSignOut={() => {
        void signOut().finally(() => {
          setSession(null);
          navigate('/sign-in');
        });
      }}
    >
      <Page loc={loc} session={session} />
    </Layout>
  );
}

render(<App />, document.getElementById('app')!);

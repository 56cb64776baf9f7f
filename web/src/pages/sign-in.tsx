import { useState } from 'preact/hooks';
import { ApiError, signIn, type Session } from '../api.ts';

/** Sign-in: an API key for a session; the key is sent once and kept nowhere in the browser. */
export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!key.trim()) {
      setError('Enter an API key (a read key to look, an admin key to manage too).');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const session = await signIn(key.trim());
      setKey('');
      onSignedIn(session);
    } catch (err) {
      setError(
        err instanceof ApiError && err.code === 'too_many_attempts'
          ? 'Too many failed attempts from this address: wait a minute, then try again.'
          : err instanceof ApiError && err.status === 401
            ? 'That key is unknown or has been revoked.'
            : `Could not sign in: ${(err as Error).message}`,
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in">
      <h1>usagehub</h1>
      <form onSubmit={(e) => void submit(e)} aria-describedby="sign-in-help">
        <label for="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
          aria-invalid={error !== null}
          aria-errormessage="sign-in-error"
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {error && (
          <p id="sign-in-error" class="error" role="alert">
            {error}
          </p>
        )}
        <p id="sign-in-help" class="help">
          A read key shows the data; an admin key also the settings. The first start printed an admin key;{' '}
          <code>npx usagehub keys create --role read</code> makes a read key.
        </p>
      </form>
    </main>
  );
}

import { useState } from 'preact/hooks';
import { get, upload } from '../../api.ts';
import { ErrorNote, Field, useAction } from '../../components/form.tsx';
import { fmt } from '../../format.ts';

interface Imported {
  imported: number;
  ipv4: number;
  ipv6: number;
}
interface Resolved {
  company: string | null;
  domain: string | null;
  organisation: string | null;
  resolvedBy: string | null;
  ipRange: string | null;
}

/** The IP range table: replaced whole from a CSV (all or nothing, problems by line), and an address resolved to test it. */
export function IpRanges() {
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [result, setResult] = useState<Imported | null>(null);
  const action = useAction();
  return (
    <section class="panel" aria-label="IP ranges">
      <h2>IP ranges (company enrichment)</h2>
      <p class="help">
        CSV lines <code>cidr,organisation,domain</code> (IPv4 and IPv6, an optional header, domain may be
        empty). The upload replaces the table whole; one bad line and nothing is imported.
      </p>
      <form
        class="inline"
        aria-label="Upload IP ranges"
        onSubmit={(e) => {
          e.preventDefault();
          if (!file) return;
          setResult(null);
          setProgress(0);
          void action
            .run(() => upload<Imported>('PUT', '/v1/ip-ranges', file, 'text/csv', setProgress))
            .then((r) => {
              setProgress(null);
              if (r) setResult(r);
            });
        }}
      >
        <Field label="CSV file">
          <input
            type="file"
            accept=".csv,text/csv"
            onChange={(e) => {
              setFile(e.currentTarget.files?.[0] ?? null);
              setResult(null);
              action.setError(null);
            }}
          />
        </Field>
        <button type="submit" disabled={!file || action.busy}>
          Upload
        </button>
        {progress !== null && (
          <progress max={1} value={progress} aria-label="Upload progress">
            {Math.round(progress * 100)} %
          </progress>
        )}
      </form>
      {result && (
        <p role="status" class="ok">
          Imported {fmt(result.imported)} ranges ({fmt(result.ipv4)} IPv4, {fmt(result.ipv6)} IPv6).
        </p>
      )}
      <ErrorNote error={action.error} />
      <Resolve />
    </section>
  );
}

function Resolve() {
  const [ip, setIp] = useState('');
  const [domain, setDomain] = useState('');
  const [answer, setAnswer] = useState<Resolved | null>(null);
  const action = useAction();
  return (
    <form
      class="inline"
      aria-label="Resolve an address"
      onSubmit={(e) => {
        e.preventDefault();
        void action
          .run(() => get<Resolved>('/v1/ip-ranges/resolve', { ip: ip.trim(), domain: domain.trim() }))
          .then((r) => r && setAnswer(r));
      }}
    >
      <Field label="IP address">
        <input value={ip} onInput={(e) => setIp(e.currentTarget.value)} placeholder="203.0.113.7" />
      </Field>
      <Field label="or e-mail domain">
        <input value={domain} onInput={(e) => setDomain(e.currentTarget.value)} placeholder="acme.com" />
      </Field>
      <button
        type="submit"
        class="plain"
        disabled={action.busy || (ip.trim() === '' && domain.trim() === '')}
      >
        Resolve
      </button>
      {answer && (
        <p role="status" class="resolved">
          {answer.company ? (
            <>
              Company <strong data-company>{answer.company}</strong> (by {answer.resolvedBy}
              {answer.ipRange && <>, range {answer.ipRange}</>})
            </>
          ) : (
            'No company for this address or domain.'
          )}
        </p>
      )}
      <ErrorNote error={action.error} />
    </form>
  );
}

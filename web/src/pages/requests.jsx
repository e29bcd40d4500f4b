// The request log: newest first, narrowed by model, surface, status (and key, or account for an
// operator), paged back with "Older". A filtered page is cut short by the server's scan budget,
// so it may hold few rows and still have older ones; "searched back to" says how far it looked.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { Alert, Loading, Select, fmtInt, fmtMs, fmtTime, query, useApi } from '../ui.jsx';

// The surfaces a call comes in on, as the usage records name them.
const SURFACES = [['', 'Any surface'], ['openai', 'Chat Completions'], ['responses', 'Responses'], ['anthropic', 'Messages'], ['gemini', 'Gemini']];

const SURFACE_NAMES = Object.fromEntries(SURFACES.slice(1));

// keys: whether to show the key column (the overview leaves it out: it has no key names).
export function RequestTable({ rows, keyName, accountName, label = 'Requests', keys = true }) {
  if (rows.length === 0) return <p class="hint">No requests.</p>;
  return (
    <div class="scroll">
      <table aria-label={label} class="compact">
        <thead>
          <tr>
            <th>Time</th><th>Model</th><th>Surface</th><th>Status</th><th>Tokens in / out</th><th>Cost</th>
            <th>Latency</th><th>First token</th>{accountName && <th>Account</th>}{keys && <th>Key</th>}<th>Request ID</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.request_id} class={r.status >= 400 ? 'failed' : ''}>
              <td>{fmtTime(r.created_at)}</td>
              <td>{r.model || '-'}{r.served_model && r.served_model !== r.model && <span class="hint"> → {r.served_model}</span>}</td>
              <td>{SURFACE_NAMES[r.surface] ?? r.surface}{r.stream && <span class="hint"> (stream)</span>}</td>
              <td>{r.status}</td>
              <td>{fmtInt(r.prompt_tokens)} / {fmtInt(r.completion_tokens)}</td>
              <td>{r.free ? 'free' : `$${r.cost_usd}`}</td>
              <td>{fmtMs(r.latency_ms)}</td>
              <td>{r.stream ? fmtMs(r.ttft_ms) : '-'}</td>
              {accountName && <td>{accountName(r.account_id)}</td>}
              {keys && <td>{keyName ? keyName(r.key_id) : <code>{r.key_id}</code>}</td>}
              <td><code>{r.request_id}</code></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Requests({ operator }) {
  const [filters, setFilters] = useState({ model: '', surface: '', status: '', key: '', account: '' });
  const [log, setLog] = useState(null);  // {rows, next_cursor, scanned_to}
  const [error, setError] = useState('');
  const [models] = useApi('v1/models');
  // A member's log names their keys; an operator's, the accounts.
  const [keys] = useApi(operator ? null : 'v1/keys');
  const [accounts] = useApi(operator ? 'v1/accounts' : null);
  const path = (cursor) => `v1/requests${query({ ...filters, cursor, limit: 50 })}`;
  useEffect(() => {
    let live = true;
    setLog(null);
    setError('');
    api('GET', path()).then((r) => live && setLog({ rows: r.data, next_cursor: r.next_cursor, scanned_to: r.scanned_to }),
      (e) => live && setError(e.message));
    return () => { live = false; };
  }, [filters]);
  const older = async () => {
    try {
      const r = await api('GET', path(log.next_cursor));
      setLog({ rows: [...log.rows, ...r.data], next_cursor: r.next_cursor, scanned_to: r.scanned_to });
    } catch (e) { setError(e.message); }
  };
  const set = (k) => (v) => setFilters({ ...filters, [k]: v });
  const keyName = keys && ((id) => keys.data.find((k) => k.id === id)?.name || id);
  const accountName = accounts && ((id) => accounts.data.find((a) => a.id === id)?.name || id);
  return (
    <section aria-label="Request log">
      <h2>Requests</h2>
      <div class="row">
        <Select label="Model" value={filters.model} onChange={set('model')}
          options={[['', 'Any model'], ...(models?.data ?? []).map((m) => [m.id, m.id])]} />
        <Select label="Surface" value={filters.surface} onChange={set('surface')} options={SURFACES} />
        <Select label="Status" value={filters.status} onChange={set('status')}
          options={[['', 'Any status'], ['ok', 'Succeeded'], ['error', 'Failed']]} />
        {keys && <Select label="Key" value={filters.key} onChange={set('key')}
          options={[['', 'Any key'], ...keys.data.map((k) => [k.id, k.name || k.prefix])]} />}
        {accounts && <Select label="Account" value={filters.account} onChange={set('account')}
          options={[['', 'All accounts'], ...accounts.data.map((a) => [a.id, a.name])]} />}
      </div>
      <Alert error={error} />
      {log ? (
        <>
          <RequestTable rows={log.rows} keyName={keyName} accountName={accountName} />
          {log.scanned_to && <p class="hint">Searched back to {fmtTime(log.scanned_to)}.</p>}
          {log.next_cursor && <button type="button" onClick={older}>Older</button>}
        </>
      ) : !error && <Loading />}
    </section>
  );
}

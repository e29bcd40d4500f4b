// The first page. A member's: the account's credits, the last 7 days' requests and the last 10
// calls. An operator's: the pause switch for the public API.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { BarChart } from '../chart.jsx';
import { Alert, Loading, useApi } from '../ui.jsx';
import { RequestTable } from './requests.jsx';

function Balance() {
  const [account, error] = useApi('v1/accounts/me');
  if (!account) return <Loading error={error} />;
  return (
    <section aria-label="Credits">
      <h2>Credits of {account.account}</h2>
      <dl class="figures">
        <div><dt>Balance</dt><dd>${account.balance_usd}</dd></div>
        <div><dt>Held for calls in flight</dt><dd>${account.reserved_usd}</dd></div>
        <div><dt>Available</dt><dd>${account.available_usd}</dd></div>
        <div><dt>Spent</dt><dd>${account.spent_usd}</dd></div>
      </dl>
    </section>
  );
}

function Week() {
  const [series, error] = useApi('v1/usage/series?since=7d&bucket=day');
  return (
    <section aria-label="Last 7 days">
      <h2>Last 7 days</h2>
      {series
        ? <BarChart mini title="Requests per day" rows={series.data} since={series.since} until={series.until}
          bucket={series.bucket} value={(r) => r.requests} />
        : <Loading error={error} />}
      <p><a href="#/usage">More charts</a></p>
    </section>
  );
}

function Latest() {
  const [log, error] = useApi('v1/requests?limit=10');
  return (
    <section aria-label="Latest requests">
      <h2>Latest requests</h2>
      {log ? <RequestTable rows={log.data} label="Latest requests" keys={false} /> : <Loading error={error} />}
      <p><a href="#/requests">The whole log</a></p>
    </section>
  );
}

export function MemberOverview() {
  return <><Balance /><Week /><Latest /></>;
}

export function PauseSwitch() {
  const [status, loadError] = useApi('v1/status');
  const [paused, setPaused] = useState(null);
  const [error, setError] = useState('');
  const now = paused ?? status?.paused ?? null;
  const flip = async () => {
    try {
      const r = await api('POST', now ? 'v1/resume' : 'v1/pause');
      setPaused(r.paused);
    } catch (err) { setError(err.message); }
  };
  return (
    <section aria-label="Public API">
      <h2>Public API</h2>
      <p>{now === null ? (loadError ? '' : 'Loading…') : now ? 'Paused: every call answers 503.' : 'Serving.'}</p>
      {now !== null && <button type="button" onClick={flip}>{now ? 'Resume the API' : 'Pause the API'}</button>}
      <Alert error={error || loadError} />
    </section>
  );
}

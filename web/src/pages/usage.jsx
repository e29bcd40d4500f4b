// Usage over time from the hourly and daily rollups: requests and cost per bucket, stacked by
// model, and the totals per model. An operator sees every account at once (or one of them) and
// the accounts that spent most.
import { useState } from 'preact/hooks';
import { BarChart, modelOf } from '../chart.jsx';
import { Loading, Select, fmtInt, fmtMs, fmtNano, query, useApi } from '../ui.jsx';

const RANGES = [['24h', 'Last 24 hours'], ['7d', 'Last 7 days'], ['30d', 'Last 30 days'], ['90d', 'Last 90 days']];
const BUCKETS = [['', 'Automatic'], ['hour', 'Hours'], ['day', 'Days']];

// Per model, summed over the buckets; latencies weighted by each bucket's requests.
function totalsByModel(rows) {
  const by = new Map();
  for (const r of rows) {
    const model = modelOf(r);
    const t = by.get(model) ?? { model, requests: 0, errors: 0, prompt_tokens: 0, cached_tokens: 0,
      completion_tokens: 0, reasoning_tokens: 0, cost_nano_usd: 0, latency: 0, ttft: 0 };
    for (const k of ['requests', 'errors', 'prompt_tokens', 'cached_tokens', 'completion_tokens', 'reasoning_tokens', 'cost_nano_usd']) t[k] += r[k] ?? 0;
    t.latency += (r.latency_ms_avg ?? 0) * r.requests;
    t.ttft += (r.ttft_ms_avg ?? 0) * r.requests;
    by.set(model, t);
  }
  return [...by.values()].sort((a, b) => b.cost_nano_usd - a.cost_nano_usd || b.requests - a.requests);
}

function Totals({ rows }) {
  const totals = totalsByModel(rows);
  if (totals.length === 0) return <p class="hint">No requests in this period.</p>;
  const sum = (k) => totals.reduce((s, t) => s + t[k], 0);
  const cols = ['requests', 'errors', 'prompt_tokens', 'cached_tokens', 'completion_tokens', 'reasoning_tokens'];
  return (
    <div class="scroll">
      <table aria-label="Totals by model" class="compact">
        <thead><tr><th>Model</th><th>Requests</th><th>Errors</th><th>Prompt tokens</th><th>Cached</th><th>Completion tokens</th><th>Reasoning</th><th>Cost</th><th>Avg latency</th></tr></thead>
        <tbody>
          {totals.map((t) => (
            <tr key={t.model}>
              <td>{t.model}</td>{cols.map((k) => <td key={k}>{fmtInt(t[k])}</td>)}
              <td>{fmtNano(t.cost_nano_usd)}</td><td>{fmtMs(t.requests ? t.latency / t.requests : null)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr><th>Total</th>{cols.map((k) => <td key={k}>{fmtInt(sum(k))}</td>)}<td>{fmtNano(sum('cost_nano_usd'))}</td><td></td></tr>
        </tfoot>
      </table>
    </div>
  );
}

function TopAccounts({ data, onPick }) {
  if (data.length === 0) return <p class="hint">No account made requests in this period.</p>;
  return (
    <table aria-label="Top accounts" class="compact">
      <thead><tr><th>Account</th><th>Requests</th><th>Prompt tokens</th><th>Completion tokens</th><th>Cost</th><th></th></tr></thead>
      <tbody>
        {data.map((a) => (
          <tr key={a.account_id}>
            <td>{a.account}</td><td>{fmtInt(a.requests)}</td><td>{fmtInt(a.prompt_tokens)}</td><td>{fmtInt(a.completion_tokens)}</td>
            <td>${a.cost_usd}</td>
            <td><button type="button" class="link" aria-label={`Chart ${a.account}`} onClick={() => onPick(a.account_id)}>Chart</button></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Usage({ operator }) {
  const [since, setSince] = useState('7d');
  const [bucket, setBucket] = useState('');
  const [account, setAccount] = useState('');
  const [series, error] = useApi(`v1/usage/series${query({ since, bucket, account: operator ? account : '' })}`);
  const [top, topError] = useApi(operator ? `v1/usage/accounts${query({ since, limit: 20 })}` : null);
  const per = series?.bucket === 'hour' ? 'hour' : 'day';
  const chart = (title, value, fmt) => (
    <BarChart title={`${title} per ${per}`} rows={series.data} since={series.since} until={series.until}
      bucket={series.bucket} value={value} fmt={fmt} />
  );
  return (
    <>
      <section aria-label="Usage">
        <h2>Usage</h2>
        <div class="row">
          <Select label="Period" value={since} onChange={setSince} options={RANGES} />
          <Select label="Bars" value={bucket} onChange={setBucket} options={BUCKETS} />
          {operator && <Select label="Account" value={account} onChange={setAccount}
            options={[['', 'All accounts'], ...(top?.data ?? []).map((a) => [a.account_id, a.account])]} />}
        </div>
        {series ? (
          <>
            {chart('Requests', (r) => r.requests, fmtInt)}
            {chart('Cost', (r) => r.cost_nano_usd ?? 0, fmtNano)}
            {chart('Tokens', (r) => (r.prompt_tokens ?? 0) + (r.completion_tokens ?? 0), fmtInt)}
            <h3>By model</h3>
            <Totals rows={series.data} />
          </>
        ) : <Loading error={error} />}
      </section>
      {operator && (
        <section aria-label="Top accounts">
          <h2>Accounts that spent most</h2>
          {top ? <TopAccounts data={top.data} onPick={setAccount} /> : <Loading error={topError} />}
        </section>
      )}
    </>
  );
}

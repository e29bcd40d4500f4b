// The API's health for an operator: whether it is paused, what the public status page says,
// and behind it each model's deployments with their breakers, and the upstream keys' breakers.
import { useEffect, useState } from 'preact/hooks';
import { Loading, fmtInt, fmtMs, fmtPercent, fmtTime, statusClass, useApi } from '../ui.jsx';

// GET /status: public and outside the console API, so plain fetch.
function usePublicStatus() {
  const [state, setState] = useState({ data: null, error: '' });
  useEffect(() => {
    fetch('/status', { credentials: 'omit' })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`/status answered ${r.status}`))))
      .then((data) => setState({ data, error: '' }), (e) => setState({ data: null, error: e.message }));
  }, []);
  return [state.data, state.error];
}

function Breakers({ rows, label }) {
  return (
    <table aria-label={label} class="compact">
      <thead><tr><th>Name</th><th>Breaker</th><th>Calls</th><th>Faults</th><th>Error ratio</th><th>p50 latency</th><th>In flight</th><th>Weight</th><th>Last error</th></tr></thead>
      <tbody>
        {rows.map((d) => (
          <tr key={d.name}>
            <td>{d.name}{d.upstream_model && <div class="hint">{d.provider} · {d.upstream_model}</div>}</td>
            <td><span class={`badge ${statusClass(d.state)}`}>{d.state}</span>{d.retry_at && <div class="hint">retry {fmtTime(d.retry_at)}</div>}</td>
            <td>{fmtInt(d.calls)}</td><td>{fmtInt(d.faults)}</td><td>{fmtPercent(d.error_ratio ?? 0)}</td>
            <td>{fmtMs(d.p50_latency_ms)}</td><td>{d.in_flight ?? '-'}</td><td>{d.weight ?? '-'}</td><td>{d.last_error ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Health() {
  const [status, statusError] = useApi('v1/status');
  const [routing, routingError] = useApi('v1/routing');
  const [pub, pubError] = usePublicStatus();
  return (
    <>
      <section aria-label="Health">
        <h2>Health</h2>
        <dl class="figures">
          <div><dt>Public API</dt><dd>{status ? (status.paused ? 'Paused' : 'Serving') : statusError ? 'unknown' : '…'}</dd></div>
          <div><dt>Status page</dt><dd>{pub ? <span class={`badge ${statusClass(pub.status)}`}>{pub.status}</span> : pubError ? 'unknown' : '…'}</dd></div>
          <div><dt>Models</dt><dd>{pub ? pub.models.length : '…'}</dd></div>
          <div><dt>Models not operational</dt><dd>{pub ? pub.models.filter((m) => m.status !== 'operational').length : '…'}</dd></div>
        </dl>
        {status?.paused && <p class="error">Paused: every call answers 503. Resume it from the overview.</p>}
      </section>
      <section aria-label="Routing">
        <h2>Routing</h2>
        {routing ? routing.models.map((m) => (
          <div key={m.id} class="model-health">
            <h3>{m.id} <span class={`badge ${statusClass(m.status)}`}>{m.status}</span>
              <span class="hint"> uptime {fmtPercent(m.uptime_1h)} (1 h), {fmtPercent(m.uptime_24h)} (24 h)</span></h3>
            <Breakers rows={m.deployments ?? []} label={`Deployments of ${m.id}`} />
          </div>
        )) : <Loading error={routingError} />}
        {routing?.keys?.length > 0 && <><h3>Upstream keys</h3><Breakers rows={routing.keys} label="Upstream keys" /></>}
      </section>
    </>
  );
}

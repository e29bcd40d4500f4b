// The catalog: each public model with its limits, prices per million tokens, state (from the
// breakers of its deployments) and uptime, and the models it falls back to.
import { Loading, fmtInt, fmtPercent, fmtPrice, statusClass, useApi } from '../ui.jsx';

const yes = (b) => (b ? 'yes' : 'no');

export function Models() {
  const [models, error] = useApi('v1/models');
  // Operators see where each model runs; members get the public catalog only.
  const where = models?.data.some((m) => m.provider);
  return (
    <section aria-label="Models">
      <h2>Models</h2>
      {models ? (
        <div class="scroll">
          <table aria-label="Model catalog" class="compact">
            <thead>
              <tr>
                <th>Model</th>{where && <th>Provider</th>}<th>Context</th><th>Max output</th><th>Reasoning</th><th>Tools</th>
                <th>Input per 1M tokens</th><th>Cached input</th><th>Output</th><th>Status</th><th>Uptime 1 h</th><th>Uptime 24 h</th><th>Falls back to</th>
              </tr>
            </thead>
            <tbody>
              {models.data.map((m) => (
                <tr key={m.id}>
                  <td><strong>{m.id}</strong>{m.upstream_model && m.upstream_model !== m.id && <div class="hint">{m.upstream_model}</div>}</td>
                  {where && <td>{m.provider}</td>}<td>{fmtInt(m.context_window)}</td><td>{fmtInt(m.max_output_tokens)}</td>
                  <td>{yes(m.reasoning)}</td><td>{yes(m.tools)}</td>
                  <td class="num">{fmtPrice(m.input_usd_per_mtok)}</td><td class="num">{fmtPrice(m.cached_input_usd_per_mtok)}</td><td class="num">{fmtPrice(m.output_usd_per_mtok)}</td>
                  <td>{m.status ? <span class={`badge ${statusClass(m.status)}`}>{m.status}</span> : '-'}</td>
                  <td>{fmtPercent(m.uptime_1h)}</td><td>{fmtPercent(m.uptime_24h)}</td>
                  <td>{(m.fallbacks ?? []).join(', ') || '-'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : <Loading error={error} />}
    </section>
  );
}

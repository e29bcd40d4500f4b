// A stacked SVG bar chart of usage/series rows: one bar per hour or day, one colour per model.
// Written here rather than taken from a chart library: a few hundred bytes, no inline styles for
// the CSP to weigh, and it reads to a screen reader as an image whose name is the total, with
// the same figures in a table beneath.
import { fmtInt } from './ui.jsx';

const STEP = { hour: 3600, day: 86400 };
const MAX_BARS = 800;
const W = 960;
const LEFT = 48;
const BOTTOM = 18;

// Every bucket from since to until, empty ones included: the API sends only buckets with calls.
export function buckets(since, until, bucket, rows) {
  const step = STEP[bucket] ?? STEP.day;
  const ts = rows.map((r) => r.t);
  const first = Math.floor((since ?? Math.min(...ts)) / step) * step;
  const last = Math.floor(((until ?? Math.max(...ts) + 1) - 1) / step) * step;
  const out = [];
  for (let t = first; t <= last && out.length < MAX_BARS; t += step) out.push(t);
  return out;
}

// Days are UTC buckets and say so; hours read in local time.
export function bucketLabel(t, bucket, long = false) {
  const d = new Date(t * 1000);
  if (bucket === 'hour') {
    const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
    return long ? `${d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })} ${time}` : time;
  }
  return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
}

// Calls refused before their model was read (a paused API) are rolled up under no model.
export const modelOf = (r) => r.model || '(no model)';

// rows: usage/series rows; value(row) the number a bar adds up; fmt formats it.
export function BarChart({ title, rows, since, until, bucket = 'day', value, fmt = fmtInt, mini = false }) {
  const ts = rows.length || (since && until) ? buckets(since, until, bucket, rows) : [];
  const models = [...new Set(rows.map(modelOf))].sort();
  const cells = new Map();  // `${t} ${model}` -> value
  for (const r of rows) {
    const k = `${r.t} ${modelOf(r)}`;
    cells.set(k, (cells.get(k) ?? 0) + value(r));
  }
  const totals = ts.map((t) => models.reduce((sum, m) => sum + (cells.get(`${t} ${m}`) ?? 0), 0));
  const total = totals.reduce((a, b) => a + b, 0);
  const top = Math.max(...totals, 0) || 1;
  const H = mini ? 110 : 200;
  const plot = H - BOTTOM - 6;
  const slot = (W - LEFT) / Math.max(ts.length, 1);
  const bar = Math.max(1, slot * 0.75);
  const y = (v) => 6 + plot - (v / top) * plot;
  // A label under every nth bar, counted from the latest, so that they never overlap and the
  // current bucket always has one.
  const every = Math.ceil(ts.length / (mini ? 4 : 8)) || 1;
  const label = `${title}: ${fmt(total)} in total`;
  return (
    <figure class={mini ? 'chart mini' : 'chart'}>
      <svg role="img" aria-label={label} viewBox={`0 0 ${W} ${H}`}>
        <line class="axis" x1={LEFT} x2={W} y1={6 + plot} y2={6 + plot} />
        <text class="tick" x={LEFT - 4} y={12} text-anchor="end">{fmt(top === 1 && total === 0 ? 0 : top)}</text>
        <text class="tick" x={LEFT - 4} y={6 + plot} text-anchor="end">0</text>
        {ts.map((t, i) => {
          let base = 0;
          const x = LEFT + i * slot + (slot - bar) / 2;
          return (
            <g key={t}>
              {models.map((m, j) => {
                const v = cells.get(`${t} ${m}`) ?? 0;
                if (!v) return null;
                const r = <rect key={m} class={`s${j % 8}`} x={x} width={bar} y={y(base + v)} height={y(base) - y(base + v)}>
                  <title>{`${bucketLabel(t, bucket, true)} · ${m}: ${fmt(v)}`}</title>
                </rect>;
                base += v;
                return r;
              })}
              {(ts.length - 1 - i) % every === 0 && <text class="tick" x={x + bar / 2} y={H - 4} text-anchor="middle">{bucketLabel(t, bucket)}</text>}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <strong>{label}</strong>
        {models.length > 0 && (
          <ul class="legend" aria-label={`${title}: models`}>
            {models.map((m, j) => <li key={m}><span class={`swatch s${j % 8}`} aria-hidden="true" />{m}</li>)}
          </ul>
        )}
      </figcaption>
      <details>
        <summary>{title} as a table</summary>
        <table aria-label={title}>
          <thead><tr><th>{bucket === 'hour' ? 'Hour' : 'Day (UTC)'}</th>{models.map((m) => <th key={m}>{m}</th>)}<th>Total</th></tr></thead>
          <tbody>
            {ts.map((t, i) => totals[i] > 0 && (
              <tr key={t}>
                <td>{bucketLabel(t, bucket, true)}</td>
                {models.map((m) => <td key={m}>{fmt(cells.get(`${t} ${m}`) ?? 0)}</td>)}
                <td>{fmt(totals[i])}</td>
              </tr>
            ))}
          </tbody>
          <tfoot><tr><th>Total</th>{models.map((m) => <td key={m}>{fmt(rows.filter((r) => modelOf(r) === m).reduce((s, r) => s + value(r), 0))}</td>)}<td>{fmt(total)}</td></tr></tfoot>
        </table>
      </details>
    </figure>
  );
}

// What every page shares: routing on the URL's fragment, a load-once hook, form fields and the
// formats of times, money and counts.
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';

export function useHash() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash.replace(/^#/, '') || '/';
}

export function go(path) {
  location.hash = `#${path}`;
}

// GET `path` under /console/api/ once per change of `path`: [data, error, reload, status]. An answer
// that comes back after the path moved on is dropped, so a quick change of filter cannot show
// the previous one's rows.
export function useApi(path) {
  const [state, setState] = useState({ data: null, error: '', status: 0 });
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (!path) return undefined;
    let live = true;
    api('GET', path).then((data) => live && setState({ data, error: '', status: 200 }),
      (e) => live && setState({ data: null, error: e.message, status: e.status ?? 0 }));
    return () => { live = false; };
  }, [path, round]);
  return [state.data, state.error, () => setRound((n) => n + 1), state.status];
}

// A query string from the values that are set.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== null && v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function Alert({ error }) {
  return error ? <p class="error" role="alert">{error}</p> : null;
}

export function Loading({ error, what = 'Loading…' }) {
  return error ? <Alert error={error} /> : <p class="hint">{what}</p>;
}

export function Field({ label, type = 'text', value, onInput, autocomplete, required = true, placeholder }) {
  return (
    <label class="field">
      <span>{label}</span>
      <input type={type} value={value} required={required} autocomplete={autocomplete} placeholder={placeholder}
        onInput={(e) => onInput(e.currentTarget.value)} />
    </label>
  );
}

// options: [[value, text]].
export function Select({ label, value, onChange, options }) {
  return (
    <label class="field">
      <span>{label}</span>
      <select value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {options.map(([v, text]) => <option key={v} value={v}>{text}</option>)}
      </select>
    </label>
  );
}

// Ledger and series times come in seconds, request times in milliseconds: anything before 1973
// in milliseconds is taken for seconds.
export function toMs(t) {
  return t < 1e11 ? t * 1000 : t;
}

export function fmtTime(t) {
  return t ? new Date(toMs(t)).toLocaleString() : '-';
}

export function fmtInt(n) {
  return (n ?? 0).toLocaleString('en-US');
}

// Money the console adds up itself comes from the *_nano_usd integers, never from summing the
// decimal strings.
export function fmtNano(nano) {
  const usd = (nano ?? 0) / 1e9;
  return `$${usd.toFixed(usd !== 0 && Math.abs(usd) < 0.01 ? 6 : 4)}`;
}

// A price as the API prints it ("0.600000000"), without the zeros that say nothing.
export function fmtPrice(usd) {
  if (usd === null || usd === undefined || usd === '') return '-';
  const [whole, frac = ''] = String(usd).split('.');
  return `$${whole}.${frac.replace(/0+$/, '').padEnd(2, '0')}`;
}

export function fmtMs(ms) {
  return ms === null || ms === undefined ? '-' : `${Math.round(ms).toLocaleString('en-US')} ms`;
}

export function fmtPercent(x) {
  return x === null || x === undefined ? '-' : `${(x * 100).toFixed(x === 1 ? 0 : 1)}%`;
}

export function statusClass(status) {
  return status === 'operational' || status === 'closed' ? 'ok' : status === 'down' || status === 'open' ? 'bad' : 'warn';
}

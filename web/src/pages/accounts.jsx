// The operator's accounts: create one, grant it credits or adjust its balance (up or down) with a
// note, see every balance and its open holds.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Alert, Field, Loading, Select, useApi } from '../ui.jsx';

export function Accounts() {
  const [accounts, loadError, reload] = useApi('v1/accounts');
  const [name, setName] = useState('');
  const [grant, setGrant] = useState({ account: '', amount: '', note: '', kind: 'grant' });
  const [error, setError] = useState('');
  const create = async (e) => {
    e.preventDefault();
    try {
      await api('POST', 'v1/accounts', { name });
      setName('');
      reload();
    } catch (err) { setError(err.message); }
  };
  const give = async (e) => {
    e.preventDefault();
    try {
      await api('POST', `v1/accounts/${encodeURIComponent(grant.account)}/credits`, { amount_usd: grant.amount, note: grant.note, kind: grant.kind });
      setGrant({ account: '', amount: '', note: '', kind: grant.kind });
      reload();
    } catch (err) { setError(err.message); }
  };
  return (
    <section aria-label="Accounts">
      <h2>Accounts</h2>
      <form class="row" onSubmit={create}>
        <Field label="New account name" value={name} onInput={setName} />
        <button type="submit">Create account</button>
      </form>
      <form class="row" onSubmit={give}>
        <Field label="Account to credit" value={grant.account} onInput={(v) => setGrant({ ...grant, account: v })} />
        <Field label="Amount in USD" value={grant.amount} onInput={(v) => setGrant({ ...grant, amount: v })} />
        <Select label="Kind" value={grant.kind} onChange={(v) => setGrant({ ...grant, kind: v })}
          options={[['grant', 'Grant (adds)'], ['adjustment', 'Adjustment (+ or -)']]} />
        <Field label="Note" value={grant.note} onInput={(v) => setGrant({ ...grant, note: v })} required={false} />
        <button type="submit">{grant.kind === 'grant' ? 'Grant credits' : 'Adjust balance'}</button>
      </form>
      <Alert error={error} />
      {accounts ? (
        <table>
          <thead><tr><th>Name</th><th>ID</th><th>Balance</th><th>Open holds</th><th>Spent</th></tr></thead>
          <tbody>
            {accounts.data.map((a) => (
              <tr key={a.id}><td>{a.name}</td><td><code>{a.id}</code></td><td>${a.balance_usd}</td><td>${a.reserved_usd}</td><td>${a.spent_usd}</td></tr>
            ))}
          </tbody>
        </table>
      ) : <Loading error={loadError} />}
    </section>
  );
}

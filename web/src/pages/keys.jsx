// API keys. A member makes keys for their account (the secret is shown once) and revokes them;
// an operator sees every account's keys a page at a time (a store may hold a million), narrows
// them to one account, and revokes.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { Alert, Field, Loading, Select, fmtTime, query, useApi } from '../ui.jsx';

function KeyTable({ keys, accounts, onRevoke }) {
  const name = (id) => accounts?.find((a) => a.id === id)?.name ?? id;
  return (
    <table>
      <thead><tr><th>Name</th><th>Prefix</th>{accounts && <th>Account</th>}<th>State</th><th>RPM</th><th>Created</th><th></th></tr></thead>
      <tbody>
        {keys.map((k) => (
          <tr key={k.id}>
            <td>{k.name}</td><td><code>{k.prefix}</code></td>{accounts && <td>{name(k.account_id) || '-'}</td>}
            <td>{k.state}</td><td>{k.rpm || 'default'}</td><td>{fmtTime(k.created_at)}</td>
            <td>{k.state === 'active' && <button type="button" class="danger" aria-label={`Revoke ${k.name || k.prefix}`} onClick={() => onRevoke(k.id)}>Revoke</button>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function MemberKeys() {
  const [keys, keysError, reload] = useApi('v1/keys');
  const [name, setName] = useState('');
  const [rpm, setRpm] = useState('');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState('');
  const create = async (e) => {
    e.preventDefault();
    setError('');
    try {
      const body = { name };
      if (rpm) body.rpm = Number(rpm);
      const made = await api('POST', 'v1/keys', body);
      setSecret(made.key);
      setName('');
      setRpm('');
      reload();
    } catch (err) {
      setError(err.message);
    }
  };
  const revoke = (id) => api('DELETE', `v1/keys/${id}`).then(reload, (err) => setError(err.message));
  return (
    <section aria-label="API keys">
      <h2>API keys</h2>
      <form class="row" onSubmit={create}>
        <Field label="Key name" value={name} onInput={setName} />
        <Field label="Requests per minute (optional)" type="number" value={rpm} onInput={setRpm} required={false} />
        <button type="submit">Create key</button>
      </form>
      <Alert error={error} />
      {secret && (
        <div class="secret" role="status">
          <p>Your new key. Store it now: it is not shown again.</p>
          <code>{secret}</code>
          <button type="button" onClick={() => navigator.clipboard.writeText(secret)}>Copy key</button>
          <button type="button" onClick={() => setSecret('')}>Done</button>
        </div>
      )}
      {keys ? <KeyTable keys={keys.data} onRevoke={revoke} /> : <Loading error={keysError} />}
    </section>
  );
}

const PAGE = 100;

export function OperatorKeys() {
  const [account, setAccount] = useState('');
  const [accounts] = useApi('v1/accounts');
  const [keys, setKeys] = useState(null);  // {data, next_after} of the pages loaded so far
  const [keysError, setKeysError] = useState('');
  const [error, setError] = useState('');
  const load = (after, shown) =>
    api('GET', `v1/keys${query({ account, limit: PAGE, after })}`).then(
      (page) => setKeys({ data: [...shown, ...page.data], next_after: page.next_after }),
      (err) => setKeysError(err.message));
  useEffect(() => { setKeys(null); load('', []); }, [account]);
  const reload = () => load('', []);
  const revoke = (id) => api('DELETE', `v1/keys/${id}`).then(reload, (err) => setError(err.message));
  return (
    <section aria-label="API keys">
      <h2>API keys</h2>
      <div class="row">
        <Select label="Account" value={account} onChange={setAccount}
          options={[['', 'All accounts'], ...(accounts?.data ?? []).map((a) => [a.id, a.name])]} />
      </div>
      <Alert error={error} />
      {keys ? <KeyTable keys={keys.data} accounts={accounts?.data ?? []} onRevoke={revoke} /> : <Loading error={keysError} />}
      {keys?.next_after && (
        <button type="button" onClick={() => load(keys.next_after, keys.data)}>More keys</button>
      )}
    </section>
  );
}

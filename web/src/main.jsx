// The glmgate console: sign-in, setting a password from a one-time link, the account's balance
// and keys for a member; accounts, credits, members (invitations, resets, disabling) and the
// pause switch for an operator. Routes live in
// the URL's fragment (#/keys), which never reaches a server; a link's token is read from it, sent
// in a POST body and then wiped from the address bar.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, forgetSession } from './api.js';

function useHash() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash.replace(/^#/, '') || '/';
}

function go(path) {
  location.hash = `#${path}`;
}

function Alert({ error }) {
  return error ? <p class="error" role="alert">{error}</p> : null;
}

function Field({ label, type = 'text', value, onInput, autocomplete, required = true }) {
  return (
    <label class="field">
      <span>{label}</span>
      <input type={type} value={value} required={required} autocomplete={autocomplete}
        onInput={(e) => onInput(e.currentTarget.value)} />
    </label>
  );
}

function SignIn({ onSignedIn }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const submit = async (e) => {
    e.preventDefault();
    setError('');
    try {
      onSignedIn(await api('POST', 'sign-in', { email, password }));
    } catch (err) {
      setError(err.message);
    }
  };
  return (
    <main class="narrow">
      <h1>Sign in to glmgate</h1>
      <form onSubmit={submit}>
        <Field label="Email" type="email" value={email} onInput={setEmail} autocomplete="username" />
        <Field label="Password" type="password" value={password} onInput={setPassword} autocomplete="current-password" />
        <Alert error={error} />
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}

function SetPassword({ token, onSignedIn }) {
  const [who, setWho] = useState(null);
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState('');
  useEffect(() => {
    api('POST', 'links/check', { token }).then(setWho, (err) => setError(err.message));
  }, [token]);
  const submit = async (e) => {
    e.preventDefault();
    if (password !== repeat) return setError('The two passwords differ.');
    try {
      const session = await api('POST', 'set-password', { token, password });
      onSignedIn(session);
      // The token leaves the address bar and the history (replaced, not pushed), and the
      // hashchange this fires takes the app to its first page.
      location.replace('#/');
    } catch (err) {
      setError(err.message);
    }
  };
  return (
    <main class="narrow">
      <h1>Set your password</h1>
      {who && <p>For <strong>{who.email}</strong> ({who.role}).</p>}
      <form onSubmit={submit}>
        <Field label="New password" type="password" value={password} onInput={setPassword} autocomplete="new-password" />
        <Field label="Repeat the password" type="password" value={repeat} onInput={setRepeat} autocomplete="new-password" />
        <p class="hint">At least 12 characters.</p>
        <Alert error={error} />
        <button type="submit" disabled={!who}>Set password</button>
      </form>
    </main>
  );
}

function Balance() {
  const [account, setAccount] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => { api('GET', 'v1/accounts/me').then(setAccount, (e) => setError(e.message)); }, []);
  if (error) return <Alert error={error} />;
  if (!account) return <p>Loading…</p>;
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

function Keys() {
  const [keys, setKeys] = useState(null);
  const [name, setName] = useState('');
  const [rpm, setRpm] = useState('');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState('');
  const load = () => api('GET', 'v1/keys').then((r) => setKeys(r.data), (e) => setError(e.message));
  useEffect(() => { load(); }, []);
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
      load();
    } catch (err) {
      setError(err.message);
    }
  };
  const revoke = async (id) => {
    try {
      await api('DELETE', `v1/keys/${id}`);
      load();
    } catch (err) {
      setError(err.message);
    }
  };
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
      {keys && (
        <table>
          <thead><tr><th>Name</th><th>Prefix</th><th>State</th><th>RPM</th><th></th></tr></thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.id}>
                <td>{k.name}</td><td><code>{k.prefix}</code></td><td>{k.state}</td><td>{k.rpm || 'default'}</td>
                <td>{k.state === 'active' && <button type="button" aria-label={`Revoke ${k.name || k.prefix}`} onClick={() => revoke(k.id)}>Revoke</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Accounts() {
  const [accounts, setAccounts] = useState(null);
  const [name, setName] = useState('');
  const [grant, setGrant] = useState({ account: '', amount: '', note: '' });
  const [error, setError] = useState('');
  const load = () => api('GET', 'v1/accounts').then((r) => setAccounts(r.data), (e) => setError(e.message));
  useEffect(() => { load(); }, []);
  const create = async (e) => {
    e.preventDefault();
    try {
      await api('POST', 'v1/accounts', { name });
      setName('');
      load();
    } catch (err) { setError(err.message); }
  };
  const give = async (e) => {
    e.preventDefault();
    try {
      await api('POST', `v1/accounts/${encodeURIComponent(grant.account)}/credits`, { amount_usd: grant.amount, note: grant.note });
      setGrant({ account: '', amount: '', note: '' });
      load();
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
        <Field label="Note" value={grant.note} onInput={(v) => setGrant({ ...grant, note: v })} required={false} />
        <button type="submit">Grant credits</button>
      </form>
      <Alert error={error} />
      {accounts && (
        <table>
          <thead><tr><th>Name</th><th>ID</th><th>Balance</th><th>Spent</th></tr></thead>
          <tbody>
            {accounts.map((a) => (
              <tr key={a.id}><td>{a.name}</td><td><code>{a.id}</code></td><td>${a.balance_usd}</td><td>${a.spent_usd}</td></tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Members() {
  const [users, setUsers] = useState(null);
  const [invite, setInvite] = useState({ account: '', email: '' });
  const [link, setLink] = useState(null);
  const [error, setError] = useState('');
  const load = () => api('GET', 'v1/users').then((r) => setUsers(r.data), (e) => setError(e.message));
  useEffect(() => { load(); }, []);
  const run = async (call) => {
    setError('');
    try {
      const made = await call();
      if (made.link) setLink({ email: made.email, url: made.link });
      load();
    } catch (err) { setError(err.message); }
  };
  const send = (e) => {
    e.preventDefault();
    run(async () => {
      const made = await api('POST', 'v1/users/invitations', invite);
      setInvite({ account: '', email: '' });
      return made;
    });
  };
  return (
    <section aria-label="Members">
      <h2>Members</h2>
      <form class="row" onSubmit={send}>
        <Field label="Member's account" value={invite.account} onInput={(v) => setInvite({ ...invite, account: v })} />
        <Field label="Member's email" type="email" value={invite.email} onInput={(v) => setInvite({ ...invite, email: v })} />
        <button type="submit">Invite member</button>
      </form>
      <Alert error={error} />
      {link && (
        <div class="secret" role="status">
          <p>Send this link to {link.email}: it sets their password once, and is not shown again.</p>
          <code>{link.url}</code>
          <button type="button" onClick={() => navigator.clipboard.writeText(link.url)}>Copy link</button>
          <button type="button" onClick={() => setLink(null)}>Done</button>
        </div>
      )}
      {users && (
        <table>
          <thead><tr><th>Email</th><th>Role</th><th>Account</th><th>State</th><th></th></tr></thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id}>
                <td>{u.email}</td><td>{u.role}</td><td><code>{u.account_id || '-'}</code></td><td>{u.state}</td>
                <td>
                  <button type="button" aria-label={`Reset the password of ${u.email}`} onClick={() => run(() => api('POST', `v1/users/${u.id}/reset`))}>Reset password</button>
                  {u.disabled
                    ? <button type="button" aria-label={`Enable ${u.email}`} onClick={() => run(() => api('POST', `v1/users/${u.id}/enable`))}>Enable</button>
                    : <button type="button" aria-label={`Disable ${u.email}`} onClick={() => run(() => api('POST', `v1/users/${u.id}/disable`))}>Disable</button>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function PauseSwitch() {
  const [paused, setPaused] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => { api('GET', 'v1/status').then((r) => setPaused(r.paused), (e) => setError(e.message)); }, []);
  const flip = async () => {
    try {
      const r = await api('POST', paused ? 'v1/resume' : 'v1/pause');
      setPaused(r.paused);
    } catch (err) { setError(err.message); }
  };
  return (
    <section aria-label="Public API">
      <h2>Public API</h2>
      <p>{paused === null ? 'Loading…' : paused ? 'Paused: every call answers 503.' : 'Serving.'}</p>
      {paused !== null && <button type="button" onClick={flip}>{paused ? 'Resume the API' : 'Pause the API'}</button>}
      <Alert error={error} />
    </section>
  );
}

function Console({ session, onSignedOut }) {
  const route = useHash();
  const operator = session.user.role === 'operator';
  const signOut = async () => {
    await api('POST', 'sign-out').catch(() => {});
    forgetSession();
    onSignedOut();
  };
  let page;
  if (route === '/keys' && !operator) page = <Keys />;
  else if (route === '/accounts' && operator) page = <Accounts />;
  else if (route === '/members' && operator) page = <Members />;
  else page = operator ? <PauseSwitch /> : <Balance />;
  return (
    <>
      <header>
        <strong>glmgate</strong>
        <nav aria-label="Console">
          <a href="#/">Overview</a>
          {operator ? <><a href="#/accounts">Accounts</a><a href="#/members">Members</a></> : <a href="#/keys">Keys</a>}
        </nav>
        <span class="who">{session.user.email}</span>
        <button type="button" onClick={signOut}>Sign out</button>
      </header>
      <main>{page}</main>
    </>
  );
}

function App() {
  const route = useHash();
  const [session, setSession] = useState(undefined);  // undefined: not known yet
  useEffect(() => {
    api('GET', 'session').then(setSession, (e) => setSession(e instanceof ApiError && e.status === 401 ? null : null));
  }, []);
  const link = route.match(/^\/set-password\/([0-9A-Za-z]+)$/);
  const signedIn = (s) => {
    setSession(s);
    if (!link) go('/');
  };
  if (link) return <SetPassword token={link[1]} onSignedIn={signedIn} />;
  if (session === undefined) return <p>Loading…</p>;
  if (!session) return <SignIn onSignedIn={signedIn} />;
  return <Console session={session} onSignedOut={() => { setSession(null); go('/'); }} />;
}

render(<App />, document.getElementById('app'));

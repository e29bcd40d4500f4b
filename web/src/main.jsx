// The glmgate console's shell: sign-in, setting a password from a one-time link, and the
// signed-in user's pages (pages/*.jsx) behind a menu that depends on the role. Routes live in
// the URL's fragment (#/keys), which never reaches a server; a link's token is read from it, sent
// in a POST body and then wiped from the address bar.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, forgetSession } from './api.js';
import { Field, Alert, go, useHash } from './ui.jsx';
import { MemberOverview, PauseSwitch } from './pages/overview.jsx';
import { MemberKeys, OperatorKeys } from './pages/keys.jsx';
import { Accounts } from './pages/accounts.jsx';
import { Members } from './pages/members.jsx';
import { Usage } from './pages/usage.jsx';
import { Requests } from './pages/requests.jsx';
import { Ledger } from './pages/ledger.jsx';
import { Outputs } from './pages/output.jsx';
import { Chat } from './pages/chat.jsx';
import { Settings } from './pages/settings.jsx';
import { Models } from './pages/models.jsx';
import { Health } from './pages/health.jsx';

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
      <p class="hint">
        No account yet? An operator invites you. On a new gateway, make the first operator on its
        machine with <code>glmgate users create --operator --email you@example.com</code> and open
        the link it prints.
      </p>
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

// Each role's pages: [route, menu label, page]. A route of the other role's falls back to the
// overview, as an unknown one does.
const MEMBER_PAGES = [
  ['/', 'Overview', () => <MemberOverview />],
  ['/usage', 'Usage', () => <Usage />],
  ['/requests', 'Requests', () => <Requests />],
  ['/ledger', 'Ledger', () => <Ledger />],
  ['/outputs', 'Outputs', () => <Outputs />],
  ['/keys', 'Keys', () => <MemberKeys />],
  ['/chat', 'Chat', (p) => <Chat session={p.session} />],
  ['/models', 'Models', () => <Models />],
  ['/settings', 'Settings', (p) => <Settings {...p} />],
];
const OPERATOR_PAGES = [
  ['/', 'Overview', () => <PauseSwitch />],
  ['/accounts', 'Accounts', () => <Accounts />],
  ['/members', 'Members', () => <Members />],
  ['/keys', 'Keys', () => <OperatorKeys />],
  ['/usage', 'Usage', () => <Usage operator />],
  ['/requests', 'Requests', () => <Requests operator />],
  ['/models', 'Models', () => <Models />],
  ['/health', 'Health', () => <Health />],
  ['/settings', 'Settings', (p) => <Settings {...p} />],
];

function Console({ session, onSignedOut }) {
  const route = useHash();
  const pages = session.user.role === 'operator' ? OPERATOR_PAGES : MEMBER_PAGES;
  const signOut = async () => {
    await api('POST', 'sign-out').catch(() => {});
    forgetSession();
    onSignedOut();
  };
  const output = route.match(/^\/outputs\/(.+)$/);
  const [path, , show] = (output && pages.find(([p]) => p === '/outputs')) ?? pages.find(([p]) => p === route) ?? pages[0];
  const page = output && path === '/outputs'
    ? <Outputs key={output[1]} id={decodeURIComponent(output[1])} />
    : show({ session, onSignedOut });
  return (
    <>
      <header>
        <strong>glmgate</strong>
        <nav aria-label="Console">
          {pages.map(([p, label]) => <a key={p} href={`#${p}`} aria-current={p === path ? 'page' : undefined}>{label}</a>)}
        </nav>
        <span class="who">{session.user.email}</span>
        <button type="button" onClick={signOut}>Sign out</button>
      </header>
      <main class={path === '/chat' ? 'wide' : ''} key={path}>{page}</main>
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

// The signed-in user's own settings: a new password (the current one is asked again, so a
// borrowed session cannot lock its owner out), and signing out of every browser at once.
import { useState } from 'preact/hooks';
import { api, forgetSession } from '../api.js';
import { Alert, Field } from '../ui.jsx';

function ChangePassword() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState('');
  const [done, setDone] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setError('');
    setDone(false);
    if (next !== repeat) return setError('The two new passwords differ.');
    try {
      await api('POST', 'password', { current, new: next });
      setCurrent('');
      setNext('');
      setRepeat('');
      setDone(true);
    } catch (err) {
      setError(err.message);
    }
  };
  return (
    <section aria-label="Password">
      <h2>Password</h2>
      <form onSubmit={submit} class="narrow-form">
        <Field label="Current password" type="password" value={current} onInput={setCurrent} autocomplete="current-password" />
        <Field label="New password" type="password" value={next} onInput={setNext} autocomplete="new-password" />
        <Field label="Repeat the password" type="password" value={repeat} onInput={setRepeat} autocomplete="new-password" />
        <p class="hint">At least 12 characters. Your other sessions end when it changes.</p>
        <Alert error={error} />
        {done && <p role="status">Your password is changed.</p>}
        <button type="submit">Change password</button>
      </form>
    </section>
  );
}

function SignOutEverywhere({ onSignedOut }) {
  const [error, setError] = useState('');
  const run = async () => {
    try {
      await api('POST', 'sign-out-everywhere');
      forgetSession();
      onSignedOut();
    } catch (err) {
      setError(err.message);
    }
  };
  return (
    <section aria-label="Sessions">
      <h2>Sessions</h2>
      <p>Ends every session of yours, in this browser and any other, and the chat's tokens with them.</p>
      <button type="button" class="danger" onClick={run}>Sign out everywhere</button>
      <Alert error={error} />
    </section>
  );
}

export function Settings({ session, onSignedOut }) {
  return (
    <>
      <section aria-label="You">
        <h2>You</h2>
        <dl class="facts">
          <dt>Email</dt><dd>{session.user.email}</dd>
          <dt>Role</dt><dd>{session.user.role}</dd>
          {session.user.account_id && <><dt>Account</dt><dd><code>{session.user.account_id}</code></dd></>}
        </dl>
      </section>
      <ChangePassword />
      <SignOutEverywhere onSignedOut={onSignedOut} />
    </>
  );
}

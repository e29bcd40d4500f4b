// The operator's people: invite a member to an account (the link is shown once), reset a
// password, disable or enable someone.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Alert, Field, Loading, useApi } from '../ui.jsx';

export function Members() {
  const [users, loadError, reload] = useApi('v1/users');
  const [invite, setInvite] = useState({ account: '', email: '' });
  const [link, setLink] = useState(null);
  const [error, setError] = useState('');
  const run = async (call) => {
    setError('');
    try {
      const made = await call();
      if (made.link) setLink({ email: made.email, url: made.link });
      reload();
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
      {users ? (
        <table>
          <thead><tr><th>Email</th><th>Role</th><th>Account</th><th>State</th><th></th></tr></thead>
          <tbody>
            {users.data.map((u) => (
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
      ) : <Loading error={loadError} />}
    </section>
  );
}

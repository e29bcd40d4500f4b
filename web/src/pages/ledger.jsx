// The account's ledger, newest first: grants, adjustments and refunds. Charges stay out: there
// is one per request, and the request log shows them better.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { Alert, Loading, fmtTime, query, useApi } from '../ui.jsx';

export function Ledger() {
  const [account, accountError] = useApi('v1/accounts/me');
  const [page, setPage] = useState(null);  // {rows, next_before}
  const [error, setError] = useState('');
  const path = (before) => `v1/accounts/me/ledger${query({ limit: 50, before, external: 1 })}`;
  useEffect(() => {
    let live = true;
    setPage(null);
    api('GET', path()).then((r) => live && setPage({ rows: r.data, next_before: r.next_before }),
      (e) => live && setError(e.message));
    return () => { live = false; };
  }, []);
  const older = () => api('GET', path(page.next_before)).then(
    (r) => setPage({ rows: [...page.rows, ...r.data], next_before: r.next_before }), (e) => setError(e.message));
  return (
    <section aria-label="Ledger">
      <h2>Ledger{account && ` of ${account.account}`}</h2>
      {account && <p>Balance <strong>${account.balance_usd}</strong>, of which ${account.available_usd} available.</p>}
      <Alert error={accountError} />
      <Alert error={error} />
      {page ? (
        page.rows.length === 0 ? <p class="hint">Nothing yet.</p> : (
          <>
            <table aria-label="Ledger entries" class="compact">
              <thead><tr><th>Time</th><th>Kind</th><th>Amount</th><th>Balance after</th><th>Note</th><th>Request ID</th></tr></thead>
              <tbody>
                {page.rows.map((e) => (
                  <tr key={e.id}>
                    <td>{fmtTime(e.created_at)}</td><td>{e.kind}</td><td class="num">${e.amount_usd}</td>
                    <td class="num">${e.balance_after_usd}</td><td>{e.note}</td><td><code>{e.request_id}</code></td>
                  </tr>
                ))}
              </tbody>
            </table>
            {page.next_before && <button type="button" onClick={older}>Older</button>}
          </>
        )
      ) : !error && <Loading />}
    </section>
  );
}

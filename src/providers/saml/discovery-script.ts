/**
 * The discovery page's type-ahead (/assets/saml-discovery.js): the page works without it (a GET
 * form, results rendered by the server); with it, the list follows each keystroke. It fetches
 * the same list items from /auth/{id}/idps and announces the count in the page's live region.
 */
export const discoveryScript = `(() => {
  const form = document.querySelector('[data-idp-search]');
  if (!form) return;
  const input = form.querySelector('input[name=q]');
  const list = document.getElementById('idp-results');
  const status = document.getElementById('idp-status');
  const endpoint = new URL(form.getAttribute('action') + '/idps', location.href);
  let timer = 0;
  let latest = 0;
  const search = async () => {
    const ask = ++latest;
    const params = new URLSearchParams(new FormData(form));
    params.set('lang', document.documentElement.lang);
    try {
      const res = await fetch(endpoint.pathname + '?' + params, { headers: { accept: 'application/json' } });
      if (!res.ok || ask !== latest) return;
      const found = await res.json();
      list.innerHTML = found.html;
      status.textContent = found.status;
      let more = document.getElementById('idp-more');
      if (found.more) {
        if (!more) {
          more = document.createElement('p');
          more.id = 'idp-more';
          more.className = 'hint';
          list.after(more);
        }
        more.textContent = found.more;
      } else if (more) more.remove();
    } catch {
      /* the form still works: Enter submits it */
    }
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, 150);
  });
})();
`;

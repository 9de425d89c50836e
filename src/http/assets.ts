/** Static assets, kept in code so the service is one deployable unit. */

export const stylesheet = `
:root{--fg:#1b1b1b;--muted:#4a4a4a;--bg:#fff;--accent:#0b5394;--accent-fg:#fff;--border:#767676;--error:#b00020;--ok:#1e6b2e;--orcid:#a6ce39}
*{box-sizing:border-box}
body{margin:0;font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
a:focus,button:focus,input:focus,select:focus{outline:3px solid #ffbf47;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#ffbf47;color:#000;padding:.5rem}
.skip:focus{left:0}
header.site{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;justify-content:space-between;padding:.75rem 1.25rem;border-bottom:1px solid #ddd}
header.site .brand{font-weight:700;font-size:1.25rem;color:var(--fg);text-decoration:none}
header.site nav ul{list-style:none;display:flex;gap:1rem;margin:0;padding:0;align-items:center}
main{max-width:44rem;margin:0 auto;padding:1.5rem 1.25rem}
footer.site{max-width:44rem;margin:2rem auto;padding:1rem 1.25rem;border-top:1px solid #ddd;color:var(--muted);font-size:.9rem}
footer.site ul{list-style:none;display:inline-flex;gap:.75rem;margin:0;padding:0}
.banner{background:#fff4ce;border-bottom:2px solid #8a6d00;padding:.5rem 1.25rem;color:#3d3000}
label{display:block;font-weight:600;margin-top:1rem}
.hint{color:var(--muted);font-size:.9rem;margin:.1rem 0}
input[type=email],input[type=password],input[type=text]{display:block;width:100%;max-width:28rem;padding:.5rem;border:1px solid var(--border);border-radius:4px;font:inherit}
button,.button{display:inline-block;margin-top:1rem;padding:.6rem 1.1rem;border:0;border-radius:4px;background:var(--accent);color:var(--accent-fg);font:inherit;font-weight:600;cursor:pointer;text-decoration:none}
button.secondary,.button.secondary{background:#fff;color:var(--accent);border:2px solid var(--accent)}
button.link{background:none;color:var(--accent);padding:0;margin:0;text-decoration:underline;font-weight:400}
.orcid-button{display:inline-flex;gap:.5rem;align-items:center;background:#fff;color:#1b1b1b;border:2px solid #5a7a00}
.error{color:var(--error);font-weight:600}
.notice{border-left:4px solid var(--ok);padding:.25rem .75rem;background:#eef7ef}
.alert{border-left:4px solid var(--error);padding:.25rem .75rem;background:#fdecee}
.or{margin:1.5rem 0;color:var(--muted)}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;border-bottom:1px solid #ddd;padding:.4rem .5rem;vertical-align:top}
.orcid-id{display:inline-flex;gap:.35rem;align-items:center}
.orcid-id img{width:16px;height:16px}
form.inline{display:inline}
pre.mail{white-space:pre-wrap;background:#f6f6f6;padding:.75rem;border:1px solid #ddd}
`;

/** ORCID iD icon (ORCID brand guidelines: green circle, white "iD"), drawn at 24×24. */
export const orcidIcon = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 256 256" width="24" height="24"><circle cx="128" cy="128" r="128" fill="#A6CE39"/><g fill="#fff"><rect x="70" y="80" width="17" height="100"/><circle cx="78.5" cy="62" r="11"/><path d="M105 80h46c28 0 48 20 48 50s-20 50-48 50h-46zm17 15v70h28c20 0 32-14 32-35s-12-35-32-35z"/></g></svg>`;

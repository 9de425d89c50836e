import { createHash } from 'node:crypto';

/**
 * Lanyard's one stylesheet. Tokens first (type scale, spacing, colours); every text colour passes
 * WCAG AA (4.5:1) on the surface it sits on, borders of controls and the focus ring pass 3:1
 * (WCAG 1.4.11). Components use the class names documented in docs/pages.md; no JavaScript.
 *
 * Contrast on white: ink 16.9, muted 7.6, primary 6.5, input border 4.8, focus ring 16.9.
 * Notices (text on tint): info 7.1, success 7.3, warning 6.9, error 6.8.
 */
export const stylesheet = `
:root{
  --font:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",Arial,sans-serif;
  --mono:ui-monospace,"SFMono-Regular","DejaVu Sans Mono",Menlo,Consolas,monospace;
  --step--1:.875rem;--step-0:1rem;--step-1:1.125rem;--step-2:1.375rem;--step-3:1.75rem;
  --s1:.25rem;--s2:.5rem;--s3:.75rem;--s4:1rem;--s5:1.5rem;--s6:2rem;--s7:3rem;
  --ink:#1a1d21;--muted:#4b5563;--canvas:#f4f5f7;--surface:#fff;--line:#d8dce2;--control:#6b7280;
  --primary:#1d5fa8;--primary-hover:#174a85;--primary-ink:#fff;--primary-tint:#e8eef7;
  --focus:#1a1d21;
  --info-ink:#0b5394;--info-tint:#eef4fb;--info-line:#1d5fa8;
  --success-ink:#0f5c2e;--success-tint:#e9f6ee;--success-line:#2f7d46;
  --warning-ink:#7a4b00;--warning-tint:#fff6db;--warning-line:#b7791f;
  --error-ink:#a4161a;--error-tint:#fdecec;--error-line:#c62828;
  --radius:8px;--shadow:0 1px 2px rgba(16,24,40,.06),0 1px 3px rgba(16,24,40,.1);
}
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:400 var(--step-0)/1.5 var(--font);color:var(--ink);background:var(--canvas)}
h1,h2,h3{line-height:1.25;margin:0 0 var(--s3);font-weight:650}
h1{font-size:var(--step-3)}h2{font-size:var(--step-2);margin-top:var(--s5)}h3{font-size:var(--step-1);margin-top:var(--s4)}
p{margin:0 0 var(--s3)}
a{color:var(--primary);text-underline-offset:.15em}
a:hover{color:var(--primary-hover)}
code,.mono{font-family:var(--mono);font-size:.9375em}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px;border-radius:2px}
input:focus-visible{outline-offset:1px}
.visually-hidden{position:absolute!important;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.skip{position:absolute;left:var(--s2);top:-4rem;background:var(--surface);color:var(--ink);padding:var(--s2) var(--s3);border-radius:var(--radius);z-index:10}
.skip:focus{top:var(--s2)}

header.site{background:var(--surface);border-bottom:1px solid var(--line)}
.demo-banner{margin:0;background:var(--warning-tint);color:var(--warning-ink);border-bottom:1px solid var(--warning-line);padding:var(--s2) var(--s4);font-size:var(--step--1);text-align:center}
.site-bar{display:flex;flex-wrap:wrap;gap:var(--s3) var(--s5);align-items:center;justify-content:space-between;max-width:60rem;margin:0 auto;padding:var(--s3) var(--s4)}
.brand{display:inline-flex;gap:var(--s2);align-items:center;font-weight:700;font-size:var(--step-1);color:var(--ink);text-decoration:none}
.brand svg{flex:none}
.site-bar nav ul,footer.site ul{list-style:none;display:flex;flex-wrap:wrap;gap:var(--s2) var(--s4);margin:0;padding:0;align-items:center}
.site-bar nav a,.site-bar nav button.link{color:var(--ink);font-weight:500;text-decoration:none}
.site-bar nav a:hover,.site-bar nav button.link:hover{color:var(--primary);text-decoration:underline}
main{display:block;max-width:34rem;margin:var(--s6) auto;padding:0 var(--s4)}
main.wide{max-width:52rem}
.card{background:var(--surface);border:1px solid var(--line);border-radius:var(--radius);box-shadow:var(--shadow);padding:var(--s5) var(--s5) var(--s4)}
.card>h1:first-child{margin-bottom:var(--s4)}
.lead{font-size:var(--step-1);color:var(--muted)}
.for-client strong{color:var(--ink)}
h2.subtle{font-size:var(--step-0);color:var(--muted);font-weight:600;margin:0 0 var(--s2)}
footer.site{max-width:52rem;margin:var(--s6) auto var(--s5);padding:0 var(--s4);color:var(--muted);font-size:var(--step--1);display:flex;flex-wrap:wrap;gap:var(--s3);justify-content:space-between}
footer.site p{margin:0}
footer.site a[aria-current]{color:var(--ink);font-weight:600;text-decoration:none}

form{margin:0 0 var(--s3)}
form.inline{display:inline;margin:0}
label{display:block;font-weight:600;margin:var(--s4) 0 var(--s1)}
.hint{color:var(--muted);font-size:var(--step--1);margin:0 0 var(--s2)}
.field-error{color:var(--error-ink);font-weight:600;font-size:var(--step--1);margin:0 0 var(--s1)}
input[type=email],input[type=password],input[type=text],input[type=url],input[type=search],input[type=date],select,textarea{display:block;width:100%;padding:.625rem .75rem;border:1px solid var(--control);border-radius:6px;font:inherit;color:inherit;background:var(--surface)}
input[aria-invalid=true]{border:2px solid var(--error-line)}
.confirm{display:flex;gap:var(--s2);align-items:flex-start;margin:var(--s4) 0}.confirm input{width:1.25rem;height:1.25rem;margin:.125rem 0 0;flex:none}.confirm label{margin:0;font-weight:400}
fieldset{border:0;margin:0;padding:0;min-width:0}
legend{font-weight:600;padding:0}

button,.button{display:inline-flex;gap:var(--s2);align-items:center;justify-content:center;min-height:2.75rem;margin:var(--s4) 0 0;padding:.625rem 1.125rem;border:1px solid var(--primary);border-radius:6px;background:var(--primary);color:var(--primary-ink);font:inherit;font-weight:600;line-height:1.25;cursor:pointer;text-decoration:none}
button:hover,.button:hover{background:var(--primary-hover);border-color:var(--primary-hover);color:var(--primary-ink)}
button.secondary,.button.secondary{background:var(--surface);color:var(--primary);border-color:var(--control)}
button.secondary:hover,.button.secondary:hover{background:var(--primary-tint);color:var(--primary-hover)}
button.link{display:inline;min-height:0;background:none;border:0;color:var(--primary);padding:0;margin:0;text-decoration:underline;font-weight:inherit}
button.link:hover{background:none;color:var(--primary-hover)}
button.danger,.button.danger{background:var(--surface);color:var(--error-ink);border-color:var(--error-line)}
button.danger:hover{background:var(--error-tint);color:var(--error-ink)}
.block{display:flex;width:100%}
.actions{display:flex;flex-wrap:wrap;gap:var(--s3);align-items:center;margin-top:var(--s4)}
.actions>*,.actions form>button{margin-top:0}

.provider-button{display:flex;width:100%;gap:var(--s3);justify-content:center;background:var(--surface);color:var(--ink);border:1px solid #8a8f98;box-shadow:var(--shadow);font-weight:600}
.provider-button:hover{background:#f3f8e6;color:var(--ink);border-color:#5a7a00}
.provider-button img{flex:none}
.providers{display:grid;gap:var(--s3);margin:0 0 var(--s2)}
.providers .button{margin:0}
.divider,.or{display:flex;align-items:center;gap:var(--s3);margin:var(--s5) 0 var(--s2);color:var(--muted);font-size:var(--step--1)}
.divider::before,.divider::after,.or::before,.or::after{content:"";flex:1;border-top:1px solid var(--line)}

.notice,.alert{position:relative;margin:0 0 var(--s4);padding:var(--s3) var(--s4) var(--s3) 2.75rem;border:1px solid var(--info-line);border-left-width:4px;border-radius:6px;background:var(--info-tint);color:var(--info-ink)}
.notice>:last-child,.alert>:last-child{margin-bottom:0}
.notice::before,.alert::before{position:absolute;left:.875rem;top:var(--s3);width:1.25rem;height:1.25rem;border-radius:50%;display:flex;align-items:center;justify-content:center;font:700 .8125rem/1 var(--font);color:#fff;background:var(--info-line);content:"i" / ""}
.notice-success{border-color:var(--success-line);background:var(--success-tint);color:var(--success-ink)}
.notice-success::before{background:var(--success-line);content:"\\2713" / ""}
.notice-warning{border-color:var(--warning-line);background:var(--warning-tint);color:var(--warning-ink)}
.notice-warning::before{background:var(--warning-line);content:"!" / ""}
.notice-error,.alert{border-color:var(--error-line);background:var(--error-tint);color:var(--error-ink)}
.notice-error::before,.alert::before{background:var(--error-line);content:"\\00d7" / ""}
.notice a,.alert a{color:inherit}

.facts{display:grid;grid-template-columns:max-content 1fr;gap:var(--s2) var(--s4);margin:0 0 var(--s4)}
.facts dt{color:var(--muted);font-weight:500}
.facts dd{margin:0;min-width:0;overflow-wrap:anywhere}
.badge{display:inline-block;margin-left:var(--s2);padding:0 var(--s2);border-radius:999px;font-size:var(--step--1);font-weight:600;background:var(--success-tint);color:var(--success-ink)}
.badge.muted{background:var(--canvas);color:var(--muted)}
.badge.warn{background:var(--warning-tint);color:var(--warning-ink)}
.when{display:inline-block;width:13em;white-space:nowrap}
.facts.compact{margin:var(--s2) 0 0;gap:0 var(--s3);font-size:var(--step--1)}
.profile-nav{display:flex;flex-wrap:wrap;gap:var(--s2) var(--s4);margin:0 0 var(--s4)}
.muted{color:var(--muted)}

.identity-badge{display:inline-flex;gap:var(--s2);align-items:center;overflow-wrap:anywhere}
.identity-badge img{flex:none;width:16px;height:16px}
.identity-badge a{font-family:var(--mono);font-size:.9375em}

.choices{display:grid;gap:var(--s4);margin:var(--s5) 0 0}
.choice{border:1px solid var(--line);border-radius:var(--radius);padding:var(--s4) var(--s4) var(--s3);background:var(--surface)}
.choice h2{font-size:var(--step-1);margin:0 0 var(--s2)}
.choice p{color:var(--muted)}
.choice-primary{border:2px solid var(--primary);background:var(--primary-tint)}
.choice-primary p{color:var(--ink)}
.choice-quiet{border-style:dashed;background:transparent}
.choice button,.choice .button{margin-top:var(--s2)}

.compare{display:grid;gap:var(--s3);margin:var(--s4) 0}
.compare-head{display:grid;grid-template-columns:1fr 1fr;gap:var(--s3);padding-left:0;font-size:var(--step--1);color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.03em}
.compare fieldset{display:grid;grid-template-columns:1fr 1fr;gap:var(--s3)}
.compare legend{grid-column:1/-1;margin-bottom:var(--s1);float:left;width:100%}
.compare-option{display:flex;gap:var(--s2);align-items:flex-start;margin:0;padding:var(--s3);border:1px solid var(--control);border-radius:6px;font-weight:400;cursor:pointer;background:var(--surface);overflow-wrap:anywhere}
.compare-option:has(input:checked){border:2px solid var(--primary);background:var(--primary-tint)}
.compare-option input{margin-top:.3rem;flex:none;accent-color:var(--primary)}
.compare-option small{display:block;color:var(--muted);font-size:var(--step--1)}
.compare h2{font-size:var(--step-1);margin-top:var(--s4)}
.compare-same{display:grid;grid-template-columns:max-content 1fr;gap:var(--s1) var(--s4);margin:var(--s2) 0 0;color:var(--muted)}
.compare-same dd{margin:0;color:var(--ink)}
@media (max-width:32rem){.compare fieldset,.compare-head{grid-template-columns:1fr}.compare-head{display:none}.card{padding:var(--s4)}}

table{border-collapse:collapse;width:100%;margin:0 0 var(--s4)}
th,td{text-align:left;border-bottom:1px solid var(--line);padding:var(--s2) var(--s3);vertical-align:top}
th{font-weight:600}
table.activity{font-size:var(--step--1)}
/* A way in is one name: "ORCID iD" broken over two lines read as two words in a narrow column. */
table.activity td.method{white-space:nowrap}
.audit-filter{display:grid;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr));gap:0 var(--s4);margin-bottom:var(--s4)}
.audit-filter .actions{grid-column:1/-1}
.list{list-style:none;margin:0 0 var(--s4);padding:0;border:1px solid var(--line);border-radius:var(--radius)}
.list>li{display:flex;flex-wrap:wrap;gap:var(--s2) var(--s4);align-items:center;justify-content:space-between;padding:var(--s3) var(--s4);border-top:1px solid var(--line)}
.list>li:first-child{border-top:0}
.list.clients>li{display:block}
.client-head{display:flex;flex-wrap:wrap;gap:var(--s2) var(--s4);align-items:center;justify-content:space-between}
.idp-list{list-style:none;margin:0 0 var(--s4);padding:0;border:1px solid var(--line);border-radius:var(--radius)}
.idp-list>li{border-top:1px solid var(--line)}
.idp-list>li:first-child{border-top:0}
.idp-list:not(:has(li)){border:0}
a.idp{display:flex;flex-wrap:wrap;align-items:center;gap:0 var(--s3);padding:var(--s2) var(--s4);text-decoration:none;min-height:2.75rem}
a.idp:hover{background:var(--primary-tint)}
a.idp:hover .idp-name{text-decoration:underline}
.idp-name{font-weight:600;overflow-wrap:anywhere}
.idp-domain{flex-basis:100%;color:var(--muted);font-size:var(--step--1)}
a.idp img~.idp-domain{padding-left:calc(32px + var(--s3))}
ul.plain{list-style:none;margin:0;padding:0}
.error{color:var(--error-ink);font-weight:600}
pre.mail{white-space:pre-wrap;overflow-wrap:anywhere;background:var(--canvas);padding:var(--s3);border:1px solid var(--line);border-radius:6px;font:var(--step--1)/1.5 var(--mono)}
article.mail{border-top:1px solid var(--line);padding-top:var(--s3);margin-top:var(--s4)}
article.mail h2{margin-top:0;font-size:var(--step-1)}
`;

/** Content hash in the URL, so a changed stylesheet is never served from a stale cache. */
export const stylesheetPath = `/assets/lanyard.${createHash('sha256').update(stylesheet).digest('hex').slice(0, 10)}.css`;

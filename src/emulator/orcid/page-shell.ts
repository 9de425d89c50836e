// The frame of every HTML page the emulator serves (sign-in, consent, record): a header that says
// in words and colour that this is the emulator built into Lanyard, not ORCID, then the page in a
// card. One inline stylesheet (the pages' CSP allows inline styles only; no script, no image
// requests: the iD icon is inline SVG). Text colours pass WCAG AA on their surfaces, control
// borders and the focus ring 3:1.
import { escapeHtml as e } from './lib/html.js';

/** ORCID's iD icon (brand guidelines: green circle, white "iD"), decorative beside an iD. */
export const idIcon = (size = 16): string =>
  `<svg class="id-icon" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 256 256" width="${size}" height="${size}" aria-hidden="true" focusable="false"><circle cx="128" cy="128" r="128" fill="#A6CE39"/><g fill="#fff"><rect x="70" y="80" width="17" height="100"/><circle cx="78.5" cy="62" r="11"/><path d="M105 80h46c28 0 48 20 48 50s-20 50-48 50h-46zm17 15v70h28c20 0 32-14 32-35s-12-35-32-35z"/></g></svg>`;

/** The pages' Content-Security-Policy: nothing loads, inline styles apply. */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'";

// Contrast on white: ink 15.3, muted 7.0, accent 7.4 (on its tint 6.7), control border 4.6,
// focus ring 15.3. The header's light text on slate: 12.6; the tag's dark text on ORCID green: 8.9.
const STYLE = `
:root{--font:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",Arial,sans-serif;
--mono:ui-monospace,"SFMono-Regular","DejaVu Sans Mono",Menlo,Consolas,monospace;
--ink:#1f2328;--muted:#545b64;--canvas:#f3f4f1;--surface:#fff;--line:#d9dcd3;--control:#6f7680;
--accent:#2f5d0a;--accent-tint:#f2f8e4;--brand:#a6ce39;--slate:#2b3138;--focus:#1f2328}
*,*::before,*::after{box-sizing:border-box}
body{margin:0;font:400 1rem/1.5 var(--font);color:var(--ink);background:var(--canvas)}
h1,h2{line-height:1.25;font-weight:650;margin:0 0 .75rem}
h1{font-size:1.625rem}h2{font-size:1.125rem;margin-top:1.5rem}
p{margin:0 0 .75rem}
code,.mono{font-family:var(--mono);font-size:.9375em}
a{color:var(--accent);text-underline-offset:.15em}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.wrap{max-width:44rem;margin:0 auto;padding:0 1rem}
header.emu .bar{background:var(--slate);color:#eef0f2}
header.emu .bar .wrap{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between;padding-top:.75rem;padding-bottom:.75rem}
.emu-name{display:inline-flex;gap:.5rem;align-items:center;font-weight:700;font-size:1.0625rem;margin:0}
.emu-tag{display:inline-block;padding:.125rem .625rem;border-radius:999px;background:var(--brand);color:#1b2a05;font-size:.8125rem;font-weight:700;letter-spacing:.02em}
.emu-note{margin:0;padding:.625rem 0;color:var(--muted);font-size:.875rem}
main.wrap{display:block;margin:.5rem auto 1rem}
.card{background:var(--surface);border:1px solid var(--line);border-radius:10px;box-shadow:0 1px 2px rgba(16,24,40,.06),0 1px 3px rgba(16,24,40,.1);padding:1.5rem}
.request{margin:0 0 1.25rem;padding:.875rem 1rem;border:1px solid var(--line);border-radius:8px;background:var(--canvas)}
.request p{margin:0 0 .375rem}
.request ul{margin:0;padding-left:1.25rem}
.request li{margin:.125rem 0}
.request code,.client-id{color:var(--muted);font-size:.8125rem}
.signed-in{margin:0 0 .25rem}
.signed-in .id{margin-left:.25rem;vertical-align:-.125rem}
p.record-id{margin:-.25rem 0 1.25rem}
.id{display:inline-flex;gap:.375rem;align-items:center;font-family:var(--mono);font-size:.875rem;overflow-wrap:anywhere}
.id-icon{flex:none}
form{margin:0}
button{font:inherit;font-weight:600;line-height:1.25;min-height:2.75rem;padding:.625rem 1.125rem;border-radius:6px;cursor:pointer}
.primary{background:var(--accent);color:#fff;border:1px solid var(--accent)}
.primary:hover{background:#23470a}
.secondary{background:var(--surface);color:var(--ink);border:1px solid var(--control)}
.secondary:hover{background:var(--canvas)}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;margin:1rem 0 0}
.hint{color:var(--muted);font-size:.875rem}
ul.users{list-style:none;margin:.75rem 0 0;padding:0;display:grid;gap:.5rem}
button.user{display:grid;grid-template-columns:1fr auto;gap:.125rem 1rem;width:100%;text-align:left;font-weight:400;background:var(--surface);color:var(--ink);border:1px solid var(--control);padding:.625rem .875rem}
button.user:hover{background:var(--accent-tint);border-color:var(--accent)}
button.user .who{font-weight:600}
button.user .id{justify-self:end;color:var(--ink)}
button.user .about{grid-column:1/-1;color:var(--muted);font-size:.875rem}
.leave{margin:1.5rem 0 0;padding-top:1rem;border-top:1px solid var(--line)}
details{margin:1.25rem 0 0}
summary{cursor:pointer;font-weight:600;color:var(--accent)}
ul.plain{margin:0 0 1rem;padding-left:1.25rem}
ul.works li{margin:0 0 .5rem}
ul.works small{color:var(--muted)}
footer.emu{color:var(--muted);font-size:.8125rem;padding-bottom:2rem}
@media (max-width:30rem){button.user{grid-template-columns:1fr}button.user .id{justify-self:start}.card{padding:1rem}}
`;

/** A whole emulator page: `title` names it in the tab (with "ORCID emulator"), `body` goes in the card. */
export function emulatorPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${e(title)} — ORCID emulator</title><style>${STYLE}</style></head>
<body>
<header class="emu"><div class="bar"><div class="wrap">
<p class="emu-name">${idIcon(24)} ORCID emulator</p>
<span class="emu-tag">Test accounts only</span>
</div></div>
<div class="wrap"><p class="emu-note">ORCID emulator — not the real ORCID. Built into Lanyard for demos and tests: no passwords, only fixture users.</p></div></header>
<main class="wrap"><div class="card">
${body}
</div></main>
<footer class="emu wrap"><p>Nothing chosen here reaches orcid.org; the users, iDs and records are fixtures.</p></footer>
</body></html>`;
}

/** An iD with the icon before it, as ORCID's display guidelines show one. */
export function idBadge(orcid: string): string {
  return `<span class="id">${idIcon()}${e(orcid)}</span>`;
}

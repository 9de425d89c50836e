/**
 * Lanyard's mark: a badge on a lanyard, white on the primary blue. Drawn once here, used as the
 * header logo (decorative: the brand name follows it) and as the favicon.
 */
const mark = (size: number, extra = '') =>
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" width="${size}" height="${size}"${extra}><rect width="32" height="32" rx="7" fill="#1d5fa8"/><path d="M9.5 4.5 16 14.5l6.5-10" fill="none" stroke="#fff" stroke-width="2.6" stroke-linecap="round" stroke-linejoin="round"/><rect x="9.5" y="14" width="13" height="14" rx="2.5" fill="#fff"/><rect x="13" y="18" width="6" height="2.2" rx="1.1" fill="#1d5fa8"/><rect x="12" y="22.4" width="8" height="1.6" rx=".8" fill="#9db8da"/></svg>`;

export const logoMark = mark(28, ' aria-hidden="true" focusable="false"');
export const faviconSvg = mark(32);

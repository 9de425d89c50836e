import type { Translate } from '../i18n/index.js';

/**
 * A person-readable name for the device behind a User-Agent header ("Firefox on Linux"), for the
 * account's list of sessions. Deliberately coarse: enough to recognise one's own devices, never a
 * fingerprint. Order matters: Edge and Opera also say Chrome, Chrome also says Safari.
 */
export function describeDevice(userAgent: string | null): { browser: string | null; os: string | null } {
  const ua = userAgent ?? '';
  const browser =
    [
      [/\bEdg(e|A|iOS)?\//, 'Edge'],
      [/\bOPR\//, 'Opera'],
      [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
      [/Chrom(e|ium)\/|\bCriOS\//, 'Chrome'],
      [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
      [/^curl\//, 'curl'],
    ].find(([re]) => (re as RegExp).test(ua))?.[1] ?? null;
  const os =
    [
      [/\b(iPhone|iPad|iPod)\b/, 'iOS'],
      [/\bAndroid\b/, 'Android'],
      [/\bWindows\b/, 'Windows'],
      [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
      [/\bCrOS\b/, 'ChromeOS'],
      [/\bLinux\b/, 'Linux'],
    ].find(([re]) => (re as RegExp).test(ua))?.[1] ?? null;
  return { browser: browser as string | null, os: os as string | null };
}

/** "Firefox on Linux", "Firefox", "Linux" or "Unknown device", in the language of `t`. */
export function deviceName(userAgent: string | null, t: Translate): string {
  const { browser, os } = describeDevice(userAgent);
  if (browser && os) return t('sessions.device', { browser, os });
  return browser ?? os ?? t('sessions.unknownDevice');
}

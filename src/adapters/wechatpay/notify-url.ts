/**
 * The one rule for a refund `notify_url` (reference §7.3): HTTPS, publicly reachable, no query
 * string, at most 256 characters. Plain HTTP is let through only to a loopback host, where it can
 * only mean a local sandbox; WeChat itself would refuse it. The request codec applies it to every
 * refund, and start-up applies it to `WPG_NOTIFY_URL` (and the embedded sandbox's default), so a URL
 * that every refund would be refused for never gets past start.
 */

export const NOTIFY_URL_MAX_LENGTH = 256;

const HTTPS_WITHOUT_QUERY = /^https:\/\/[^?#\s/]+(\/[^?#\s]*)?$/;
const LOOPBACK_HTTP = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:[0-9]+)?(\/[^?#\s]*)?$/;

export const NOTIFY_URL_RULE =
  'an https URL without a query string or fragment, at most 256 characters ' +
  '(plain http only to 127.0.0.1, localhost or [::1], for a local sandbox)';

/** Why WeChat (or this client) would refuse the URL, or undefined when it is acceptable. */
export const notifyUrlProblem = (url: string): string | undefined => {
  if (url.length > NOTIFY_URL_MAX_LENGTH) return `longer than ${NOTIFY_URL_MAX_LENGTH} characters`;
  if (/[?#]/.test(url)) return 'has a query string or fragment';
  if (HTTPS_WITHOUT_QUERY.test(url) || LOOPBACK_HTTP.test(url)) return undefined;
  if (/^http:\/\//.test(url)) return 'plain http to a host other than 127.0.0.1, localhost or [::1]';
  return 'not an https URL';
};

export const isAcceptableNotifyUrl = (url: unknown): url is string =>
  typeof url === 'string' && notifyUrlProblem(url) === undefined;

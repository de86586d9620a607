import type { KeyObject } from 'node:crypto';
import * as E from 'fp-ts/Either';
import type { Clock } from '../../ports/clock';
import type { Logger } from '../../ports/logger';
import type { GatewayOutcome, PlatformCertificateInfo } from '../../ports/wechat-pay-gateway';
import type { RawResponse, TransportError } from './http-transport';
import {
  classifyFailure,
  classifyVerified,
  fromTransportError,
  isSuccessStatus,
  type ClassifyOptions,
} from './outcome';
import {
  decodeCertificateJson,
  decodeCertificateList,
  isUsable,
  normaliseSerial,
  PUBLIC_KEY_ID_PREFIX,
  type PlatformKey,
} from './platform-keys';
import {
  checkHeaders,
  signatureMatches,
  type PlatformKeyLookup,
  type VerificationError,
} from './verification';

/**
 * Holds the trusted platform keys and refreshes the downloaded certificates (reference §4).
 *
 * Trust rule for a download: its signature must verify with a key already trusted (the pinned
 * certificate, a previously downloaded certificate still valid, or the configured public key).
 * Bootstrap — no pin configured and no valid downloaded certificate held — accepts a download
 * signed by a certificate it contains, as the official SDKs do; TLS to the configured host is then
 * the root of trust. Configure a pin to remove that leap of faith.
 *
 * Refreshes are single-flight: concurrent callers share one download. An unknown serial triggers a
 * refresh only if none was attempted within `minRefreshIntervalMs`, so forged serials cannot make
 * us hammer the certificates endpoint.
 */

export interface CertificateStoreOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly apiV3Key: string;
  readonly pinned: readonly PlatformKey[];
  readonly publicKeys: readonly PlatformKey[];
  readonly minRefreshIntervalMs: number;
  readonly classify: ClassifyOptions;
  readonly download: () => Promise<E.Either<TransportError, RawResponse>>;
}

export interface CertificateStore extends PlatformKeyLookup {
  readonly refresh: () => Promise<GatewayOutcome<readonly PlatformCertificateInfo[]>>;
  /** Downloaded and pinned certificates currently usable. */
  readonly certificates: () => readonly PlatformCertificateInfo[];
}

const firstUsable = (keys: readonly PlatformKey[], serial: string, now: number): KeyObject | undefined => {
  for (const k of keys) if (k.serial === serial && isUsable(k, now)) return k.key;
  return undefined;
};

export const createCertificateStore = (options: CertificateStoreOptions): CertificateStore => {
  const { clock, logger } = options;
  let downloaded: readonly PlatformKey[] = [];
  let inFlight: Promise<GatewayOutcome<readonly PlatformCertificateInfo[]>> | undefined;
  let lastAttemptAt: number | undefined;

  const usable = (keys: readonly PlatformKey[]) => keys.filter((k) => isUsable(k, clock.now()));
  const trusted = (): readonly PlatformKey[] => [
    ...usable(options.pinned),
    ...usable(downloaded),
    ...options.publicKeys,
  ];
  const find = (keys: readonly PlatformKey[], serial: string): KeyObject | undefined =>
    keys.find((k) => k.serial === serial)?.key;
  /** One entry per serial; a downloaded entry carries WeChat's own effective/expire times, so it wins. */
  /** The per-response lookup: no filtered copies of the key lists. */
  const usableKey = (serial: string): KeyObject | undefined => {
    const now = clock.now();
    return (
      firstUsable(options.publicKeys, serial, now) ??
      firstUsable(options.pinned, serial, now) ??
      firstUsable(downloaded, serial, now)
    );
  };
  const certificates = () => {
    const bySerial = new Map<string, PlatformCertificateInfo>();
    for (const k of [...usable(options.pinned), ...usable(downloaded)]) bySerial.set(k.serial, k.info);
    return [...bySerial.values()];
  };

  const verifyDownload = (res: RawResponse): E.Either<VerificationError, unknown> => {
    const checked = checkHeaders(res.headers, clock);
    if (E.isLeft(checked)) return checked;
    const serial = normaliseSerial(checked.right.serial);
    let key = find(trusted(), serial);
    const bootstrap = options.pinned.length === 0 && usable(downloaded).length === 0;
    if (key === undefined && bootstrap) {
      const decoded = decodeCertificateList(res.body.toString('utf8'), options.apiV3Key, clock.now());
      if (E.isRight(decoded)) key = find(decoded.right.keys, serial);
    }
    if (key === undefined) return E.left({ _tag: 'UnknownSerial', serial });
    return signatureMatches(key, checked.right, res.body)
      ? E.right(undefined)
      : E.left({ _tag: 'BadSignature' });
  };

  const runRefresh = async (): Promise<GatewayOutcome<readonly PlatformCertificateInfo[]>> => {
    lastAttemptAt = clock.now();
    const res = await options.download();
    if (E.isLeft(res)) return fromTransportError(res.left);
    if (!isSuccessStatus(res.right.status)) return classifyFailure(res.right, options.classify);
    const outcome = classifyVerified(
      res.right,
      verifyDownload(res.right),
      (json) =>
        E.chain((d: { keys: readonly PlatformKey[]; skipped: readonly string[] }) =>
          d.keys.length === 0
            ? E.left(`no usable certificate in the download (${d.skipped.join('; ')})`)
            : E.right(d),
        )(decodeCertificateJson(json, options.apiV3Key, clock.now())),
      options.classify,
    );
    if (outcome._tag !== 'Success') {
      logger.warn('platform certificate refresh failed', {
        outcome: outcome._tag,
        ...('detail' in outcome ? { detail: outcome.detail } : {}),
      });
      return outcome as GatewayOutcome<never>;
    }
    downloaded = outcome.value.keys;
    if (outcome.value.skipped.length > 0)
      logger.warn('platform certificates skipped', { skipped: outcome.value.skipped });
    logger.info('platform certificates refreshed', { serials: downloaded.map((k) => k.serial) });
    return { ...outcome, value: certificates() };
  };

  const refresh = () => {
    inFlight ??= runRefresh().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  const keyAfterRefresh = async (serial: string): Promise<KeyObject | undefined> => {
    if (inFlight !== undefined) await inFlight;
    else if (lastAttemptAt === undefined || clock.now() - lastAttemptAt >= options.minRefreshIntervalMs)
      await refresh();
    return usableKey(serial);
  };
  /** A key already held is answered synchronously: the common case costs no promise. */
  const keyFor = (rawSerial: string): KeyObject | undefined | Promise<KeyObject | undefined> => {
    const serial = normaliseSerial(rawSerial);
    const held = usableKey(serial);
    if (held !== undefined) return held;
    // Public keys come from configuration, never from the download (§4 "Platform public-key mode").
    if (serial.startsWith(PUBLIC_KEY_ID_PREFIX)) return undefined;
    return keyAfterRefresh(serial);
  };

  return { keyFor, refresh, certificates };
};

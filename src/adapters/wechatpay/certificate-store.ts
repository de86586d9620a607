import type { KeyObject } from 'node:crypto';
import * as E from 'fp-ts/Either';
import type { Clock } from '../../ports/clock';
import type { Logger } from '../../ports/logger';
import type { Timers } from '../../ports/timers';
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
 * certificate, a previously downloaded certificate still valid, or the configured public key), or,
 * when no certificate is pinned, with a certificate the download itself contains, as the official
 * SDKs do: every entry must decrypt under the APIv3 key (AES-GCM authenticates it), and TLS to the
 * configured host protects the rest. That is what lets a client learn a certificate WeChat signs
 * with before it was ever listed. With a pin, a download must be signed by a key already trusted;
 * the pin must then be renewed before WeChat rotates (docs/operations.md).
 *
 * When downloads happen, and why they cannot strand a payment nor hammer WeChat:
 * - `start()` downloads at once, so trust is held before the first pay is sent.
 * - A response signed by an unknown serial asks for a download at once. Downloads are single-flight:
 *   every caller waiting on one shares it.
 * - After a successful download the next one waits at least `minRefreshIntervalMs` (a few seconds):
 *   a response that misses within that floor waits for the floor to pass (at most `maxMissWaitMs`),
 *   then verifies against the fresh list. WeChat may start signing with a new certificate a moment
 *   after our last download, so the floor must be short.
 * - A failed download is retried in the background with exponential back-off (`retryBaseMs`
 *   doubling up to `retryMaxMs`); back-off, not the floor, decides when the next miss may try again.
 * - Hard bound: at most `maxDownloadsPerMinute` downloads start in any 60 s window, whatever the
 *   cause (misses, retries, the schedule). Forged serials therefore cost WeChat at most that many
 *   requests a minute; a miss that would wait past `maxMissWaitMs` for the bound is answered
 *   "unknown serial" at once.
 * - A serial still unknown after a download that started after it was seen stays unknown: the
 *   response is never trusted.
 */

export interface CertificateStoreOptions {
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly apiV3Key: string;
  readonly pinned: readonly PlatformKey[];
  readonly publicKeys: readonly PlatformKey[];
  readonly limits: RefreshLimits;
  readonly classify: ClassifyOptions;
  readonly download: () => Promise<E.Either<TransportError, RawResponse>>;
}

export interface RefreshLimits {
  /** Least time from a successful download to the next one. */
  readonly minRefreshIntervalMs: number;
  /** At most this many downloads start in any 60 s window. */
  readonly maxDownloadsPerMinute: number;
  /** First retry delay after a failed download; doubles per consecutive failure. */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** Longest a response with an unknown serial waits for the next permitted download. */
  readonly maxMissWaitMs: number;
}

export const DEFAULT_REFRESH_LIMITS: RefreshLimits = {
  minRefreshIntervalMs: 5_000,
  maxDownloadsPerMinute: 10,
  retryBaseMs: 1_000,
  retryMaxMs: 60_000,
  maxMissWaitMs: 5_000,
};

/** What the store has done, for operators and tests (no key material). */
export interface CertificateTrustStats {
  /** Downloads started since the client was created. */
  readonly downloads: number;
  readonly failedDownloads: number;
  /** Whether a response could be verified now: a usable certificate or a public key is held. */
  readonly trusted: boolean;
  /** Per serial, the clock time at which a response signed with it first verified. */
  readonly firstVerifiedAt: Readonly<Record<string, number>>;
}

export interface CertificateStore extends PlatformKeyLookup {
  /** Downloads now, or as soon as the limits allow; shares a download already under way. */
  readonly refresh: () => Promise<GatewayOutcome<readonly PlatformCertificateInfo[]>>;
  /** Downloaded and pinned certificates currently usable. */
  readonly certificates: () => readonly PlatformCertificateInfo[];
  /** The first download: resolves once it ends, whatever its outcome (failures retry in the background). */
  readonly start: () => Promise<void>;
  readonly isTrusted: () => boolean;
  /** Resolves true once trusted, false after `waitMs` (clock time) without trust; starts a download if none ran. */
  readonly whenTrusted: (waitMs: number) => Promise<boolean>;
  /** Records that a response signed with `serial` verified (the first one per serial is kept). */
  readonly noteVerified: (serial: string) => void;
  readonly stats: () => CertificateTrustStats;
  /** Cancels the pending retry; a download under way finishes. */
  readonly close: () => void;
}

type RefreshOutcome = GatewayOutcome<readonly PlatformCertificateInfo[]>;

const MINUTE_MS = 60_000;
/** Serials remembered for `firstVerifiedAt`: a bound, since only verified serials are added. */
const MAX_SERIALS_NOTED = 64;

const firstUsable = (keys: readonly PlatformKey[], serial: string, now: number): KeyObject | undefined => {
  for (const k of keys) if (k.serial === serial && isUsable(k, now)) return k.key;
  return undefined;
};

export const createCertificateStore = (options: CertificateStoreOptions): CertificateStore => {
  const { clock, logger, limits, timers } = options;
  let downloaded: readonly PlatformKey[] = [];
  let inFlight: { startedAt: number; promise: Promise<RefreshOutcome> } | undefined;
  /** A download waiting for the limits to allow it; every caller shares it. */
  let scheduled: { at: number; promise: Promise<RefreshOutcome>; cancel: () => void } | undefined;
  let lastStartedAt: number | undefined;
  let lastSucceeded = false;
  let consecutiveFailures = 0;
  let isClosed = false;
  /** Start times of recent downloads, oldest first: the per-minute bound. */
  let recentStarts: number[] = [];
  let downloads = 0;
  let failedDownloads = 0;
  const firstVerifiedAt = new Map<string, number>();
  let trustWaiters: (() => void)[] = [];

  const usable = (keys: readonly PlatformKey[]) => keys.filter((k) => isUsable(k, clock.now()));
  const trusted = (): readonly PlatformKey[] => [
    ...usable(options.pinned),
    ...usable(downloaded),
    ...options.publicKeys,
  ];
  const find = (keys: readonly PlatformKey[], serial: string): KeyObject | undefined =>
    keys.find((k) => k.serial === serial)?.key;
  /** The per-response lookup: no filtered copies of the key lists. */
  const usableKey = (serial: string): KeyObject | undefined => {
    const now = clock.now();
    return (
      firstUsable(options.publicKeys, serial, now) ??
      firstUsable(options.pinned, serial, now) ??
      firstUsable(downloaded, serial, now)
    );
  };
  /** One entry per serial; a downloaded entry carries WeChat's own effective/expire times, so it wins. */
  const certificates = () => {
    const bySerial = new Map<string, PlatformCertificateInfo>();
    for (const k of [...usable(options.pinned), ...usable(downloaded)]) bySerial.set(k.serial, k.info);
    return [...bySerial.values()];
  };
  // Asked before every pay: no array copies.
  const isTrusted = (): boolean => {
    if (options.publicKeys.length > 0) return true;
    const now = clock.now();
    return options.pinned.some((k) => isUsable(k, now)) || downloaded.some((k) => isUsable(k, now));
  };

  /** The earliest clock time the next download may start. */
  const permittedAt = (): number => {
    const now = clock.now();
    recentStarts = recentStarts.filter((t) => t > now - MINUTE_MS);
    let at = now;
    if (lastStartedAt !== undefined) {
      const gap = lastSucceeded
        ? limits.minRefreshIntervalMs
        : Math.min(limits.retryMaxMs, limits.retryBaseMs * 2 ** Math.max(0, consecutiveFailures - 1));
      at = Math.max(at, lastStartedAt + gap);
    }
    if (recentStarts.length >= limits.maxDownloadsPerMinute) {
      const oldest = recentStarts[recentStarts.length - limits.maxDownloadsPerMinute] ?? now;
      at = Math.max(at, oldest + MINUTE_MS);
    }
    return at;
  };

  const verifyDownload = (res: RawResponse): E.Either<VerificationError, unknown> => {
    const checked = checkHeaders(res.headers, clock);
    if (E.isLeft(checked)) return checked;
    const serial = normaliseSerial(checked.right.serial);
    let key = find(trusted(), serial);
    // Without a pin, a download may be signed by a certificate it brings: WeChat may sign with a new
    // certificate before we have seen it listed, and each entry is authenticated by AES-GCM under the
    // APIv3 key, a secret only WeChat shares with us.
    if (key === undefined && options.pinned.length === 0) {
      const decoded = decodeCertificateList(res.body.toString('utf8'), options.apiV3Key, clock.now());
      if (E.isRight(decoded)) key = find(decoded.right.keys, serial);
    }
    if (key === undefined) return E.left({ _tag: 'UnknownSerial', serial });
    return signatureMatches(key, checked.right, res.body)
      ? E.right(undefined)
      : E.left({ _tag: 'BadSignature' });
  };

  const fetchAndDecode = async (): Promise<RefreshOutcome> => {
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
    if (outcome._tag !== 'Success') return outcome as GatewayOutcome<never>;
    const before = new Set(downloaded.map((k) => k.serial));
    downloaded = outcome.value.keys;
    if (outcome.value.skipped.length > 0)
      logger.warn('platform certificates skipped', { skipped: outcome.value.skipped });
    logger.info('platform certificates refreshed', {
      serials: downloaded.map((k) => k.serial),
      added: downloaded.filter((k) => !before.has(k.serial)).map((k) => k.serial),
      downloads,
    });
    return { ...outcome, value: certificates() };
  };

  const runDownload = (): Promise<RefreshOutcome> => {
    const startedAt = clock.now();
    lastStartedAt = startedAt;
    recentStarts.push(startedAt);
    downloads += 1;
    const promise = fetchAndDecode()
      .catch((e: unknown): RefreshOutcome => ({
        _tag: 'Unknown',
        reason: 'MalformedResponse',
        detail: e instanceof Error ? e.message : 'certificate download failed',
      }))
      .then((outcome) => {
        inFlight = undefined;
        lastSucceeded = outcome._tag === 'Success';
        if (lastSucceeded) {
          consecutiveFailures = 0;
        } else {
          consecutiveFailures += 1;
          failedDownloads += 1;
          logger.warn('platform certificate refresh failed', {
            outcome: outcome._tag,
            ...('detail' in outcome ? { detail: outcome.detail } : {}),
            consecutiveFailures,
          });
          // Retried on back-off whether or not anything is waiting: trust must come back by itself.
          if (!isClosed) void schedule();
        }
        if (isTrusted()) {
          const waiters = trustWaiters;
          trustWaiters = [];
          for (const wake of waiters) wake();
        }
        return outcome;
      });
    inFlight = { startedAt, promise };
    return promise;
  };

  /** The shared next download: the one under way, the one already scheduled, or a new one. */
  const schedule = (): Promise<RefreshOutcome> => {
    if (inFlight !== undefined) return inFlight.promise;
    if (scheduled !== undefined) return scheduled.promise;
    const at = permittedAt();
    if (at <= clock.now()) return runDownload();
    let cancel: () => void = () => undefined;
    const promise = new Promise<RefreshOutcome>((resolve) => {
      const handle = timers.at(at, () => {
        scheduled = undefined;
        resolve(schedule());
      });
      cancel = () => {
        handle.cancel();
        resolve({ _tag: 'Unknown', reason: 'ConnectionError', detail: 'certificate client closed' });
      };
    });
    scheduled = { at, promise, cancel };
    return promise;
  };

  const keyAfterRefresh = async (serial: string, seenAt: number): Promise<KeyObject | undefined> => {
    if (inFlight !== undefined) {
      const startedAt = inFlight.startedAt;
      await inFlight.promise;
      const key = usableKey(serial);
      // A download that began after this answer was seen and still lacks its serial: never trusted.
      if (key !== undefined || startedAt >= seenAt) return key;
    }
    const at = scheduled?.at ?? permittedAt();
    if (at - clock.now() > limits.maxMissWaitMs) {
      logger.warn('unknown platform serial: refresh not permitted yet', {
        serial,
        permittedInMs: at - clock.now(),
      });
      return undefined;
    }
    await schedule();
    return usableKey(serial);
  };

  /** A key already held is answered synchronously: the common case costs no promise. */
  const keyFor = (rawSerial: string): KeyObject | undefined | Promise<KeyObject | undefined> => {
    const serial = normaliseSerial(rawSerial);
    const held = usableKey(serial);
    if (held !== undefined) return held;
    // Public keys come from configuration, never from the download (§4 "Platform public-key mode").
    if (serial.startsWith(PUBLIC_KEY_ID_PREFIX)) return undefined;
    return keyAfterRefresh(serial, clock.now());
  };

  const whenTrusted = (waitMs: number): Promise<boolean> => {
    if (isTrusted()) return Promise.resolve(true);
    if (lastStartedAt === undefined && !isClosed) void schedule();
    if (waitMs <= 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const wake = () => {
        handle.cancel();
        resolve(true);
      };
      const handle = timers.at(clock.now() + waitMs, () => {
        trustWaiters = trustWaiters.filter((w) => w !== wake);
        resolve(isTrusted());
      });
      trustWaiters.push(wake);
    });
  };

  return {
    keyFor,
    refresh: schedule,
    certificates,
    start: async () => {
      // Public-key mode needs no download to verify; certificate serials are fetched on demand.
      if (options.publicKeys.length > 0 || isClosed) return;
      await schedule();
    },
    isTrusted,
    whenTrusted,
    noteVerified: (rawSerial) => {
      const serial = normaliseSerial(rawSerial);
      if (firstVerifiedAt.has(serial) || firstVerifiedAt.size >= MAX_SERIALS_NOTED) return;
      firstVerifiedAt.set(serial, clock.now());
      // Once per serial: after a rotation, when the first answer signed with the new one was trusted.
      logger.info('platform certificate first verified', { serial, downloads });
    },
    stats: () => ({
      downloads,
      failedDownloads,
      trusted: isTrusted(),
      firstVerifiedAt: Object.fromEntries(firstVerifiedAt),
    }),
    close: () => {
      isClosed = true;
      scheduled?.cancel();
      scheduled = undefined;
    },
  };
};

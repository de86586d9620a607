import {
  createPlatformCertificate,
  currentPlatform,
  saveKeyIndex,
  type PlatformCertificate,
  type SandboxKeys,
} from './credentials/credentials';
import type { Signer } from './protocol/sign';
import type { SandboxTime } from './time';

/**
 * Platform certificate rotation, as WeChat does it and as it can go wrong for a client (reference
 * §4): a new certificate is listed beside the old one, whose expiry moves to 24 h later, and at some
 * moment answers start being signed with it. The moment is chosen (now, after N business ms, or at a
 * business time), and so is whether the download lists the new certificate before that moment or
 * only from it — the case that strands a client which refreshes too rarely.
 */

const DAY_MS = 24 * 3600_000;

export type Announce = 'now' | 'when-signing';

export interface RotateRequest {
  /** 'new': the new certificate signs from `signsAt`; 'old': the old one keeps signing (announce only). */
  readonly signWith: 'new' | 'old';
  /** Business time the new certificate starts signing; default now. */
  readonly signsAt?: number;
  /** Default 'now': listed in /v3/global/certificates at once; 'when-signing': only from `signsAt`. */
  readonly announce?: Announce;
}

/** One rotation, for tests and soak reports; `signingSince*` is filled when the first answer is signed. */
export interface RotationRecord {
  readonly serial: string;
  readonly previousSerial: string;
  /** Business ms. */
  readonly requestedAt: number;
  readonly listedFrom: number;
  readonly signsFrom?: number;
  /** Business and wall-clock ms of the first answer or notification signed with the new certificate. */
  signingSince?: number;
  signingSinceWall?: number;
}

export interface Rotation {
  readonly signer: () => Signer;
  readonly rotate: (request: RotateRequest) => PlatformCertificate;
  /** False when the serial is not listed now. */
  readonly signWith: (serial: string) => boolean;
  readonly history: () => readonly RotationRecord[];
}

export const createRotation = (keys: SandboxKeys, time: SandboxTime, stateDir: string): Rotation => {
  let signingSerial: string | undefined;
  let pending: { readonly serial: string; readonly at: number } | undefined;
  const records: RotationRecord[] = [];

  const signer = (): PlatformCertificate => {
    const now = time.now();
    if (pending !== undefined && now >= pending.at) {
      signingSerial = pending.serial;
      pending = undefined;
    }
    const chosen =
      keys.platforms.find((p) => p.expireTime > now && p.serial === signingSerial) ?? currentPlatform(keys);
    const record = records.find((r) => r.serial === chosen.serial);
    if (record !== undefined && record.signingSince === undefined) {
      record.signingSince = now;
      record.signingSinceWall = time.wallNow();
    }
    return chosen;
  };

  return {
    signer,
    rotate: (request) => {
      const now = time.now();
      const previous = signer();
      const fresh = createPlatformCertificate(stateDir, now);
      const signsAt = Math.max(now, request.signsAt ?? now);
      const listedFrom = request.announce === 'when-signing' ? signsAt : now;
      if (listedFrom > now) fresh.listedFrom = listedFrom;
      // The old certificate stays valid for 24 h more (or until the new one signs, if later).
      previous.expireTime = Math.min(previous.expireTime, Math.max(now, signsAt) + DAY_MS);
      keys.platforms.push(fresh);
      saveKeyIndex(stateDir, keys);
      const record: RotationRecord = {
        serial: fresh.serial,
        previousSerial: previous.serial,
        requestedAt: now,
        listedFrom,
        ...(request.signWith === 'new' ? { signsFrom: signsAt } : {}),
      };
      records.push(record);
      signingSerial = previous.serial;
      pending = request.signWith === 'new' ? { serial: fresh.serial, at: signsAt } : undefined;
      return fresh;
    },
    signWith: (serial) => {
      const now = time.now();
      const listed = keys.platforms.some(
        (p) =>
          p.serial === serial && p.expireTime > now && (p.listedFrom === undefined || p.listedFrom <= now),
      );
      if (!listed) return false;
      signingSerial = serial;
      pending = undefined;
      return true;
    },
    history: () => records.map((r) => ({ ...r })),
  };
};
